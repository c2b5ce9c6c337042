#include "gateway/portal/pages.hpp"

#include <algorithm>
#include <boost/url/url.hpp>
#include <set>
#include <string_view>

#include "gateway/core/form_post.hpp"
#include "gateway/core/text.hpp"
#include "gateway/portal/catalogue.hpp"
#include "gateway/portal/stylesheet.hpp"

namespace sesame::portal {
namespace {

using core::escapeHtml;

// A link to a page of this site, same-site by construction: an absolute path (never a relative
// one, never a scheme), written by Boost.URL, which prefixes "/." to a path that starts with "//"
// so that it cannot be read as a scheme-relative reference to another host (RFC 3986 §3.3,
// §4.2), and percent-encodes everything outside a path segment (a backslash, which browsers read
// as a slash, "?", "#", quotes). The query is form-encoded, as core::parseForm reads it.
std::string link(std::string_view path, const core::Parameters& params) {
    boost::urls::url url;
    url.set_path(path.empty() || path.front() != '/' ? "/" + std::string(path) : path);
    if (!params.empty()) url.set_encoded_query(core::formatForm(params));
    return std::string(url.buffer());
}

std::string switchHref(const PageContext& context, const core::Parameters& params) {
    core::Parameters target;
    for (const auto& p : params)
        if (p.first != "lang") target.push_back(p);
    target.emplace_back("lang", std::string(languageCode(otherLanguage(context.language))));
    return link(context.path, target);
}

// The shell every page shares: one <h1> inside <main>, the language switch in the header.
// `titleHtml` and `mainHtml` are already escaped.
core::HttpResponse document(const PageContext& context, int status, std::string_view titleHtml,
                            std::string_view mainHtml, const core::Parameters& switchParams) {
    Language lang = context.language;
    Language other = otherLanguage(lang);
    std::string html;
    html.reserve(2048 + mainHtml.size());
    html += "<!DOCTYPE html>\n<html lang=\"";
    html += languageCode(lang);
    html +=
        "\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
        "<meta name=\"referrer\" content=\"same-origin\">\n<title>";
    html += titleHtml;
    html += " – ";
    html += text(lang, "app.name");
    html += "</title>\n<link rel=\"stylesheet\" href=\"";
    html += escapeHtml(stylesheetUrl());
    html += "\">\n</head>\n<body>\n<header class=\"bar\">\n<span class=\"brand\">";
    html += text(lang, "app.name");
    html += "</span>\n<a href=\"";
    html += escapeHtml(switchHref(context, switchParams));
    html += "\" lang=\"";
    html += languageCode(other);
    html += "\" hreflang=\"";
    html += languageCode(other);
    html += "\">";
    html += text(lang, "lang.switch");
    html += "</a>\n</header>\n<main>\n";
    html += mainHtml;
    html += "</main>\n</body>\n</html>\n";

    core::HttpResponse response;
    response.status = status;
    response.body = std::move(html);
    response.header("Content-Type", "text/html; charset=utf-8");
    response.header("Content-Language", std::string(languageCode(lang)));
    response.authenticationPage = true;
    if (context.rememberLanguage) response.cookies.push_back(languageCookie(lang));
    return response;
}

std::string paragraph(std::string_view html, std::string_view cls = {}) {
    std::string out = cls.empty() ? "<p>" : "<p class=\"" + std::string(cls) + "\">";
    return out + std::string(html) + "</p>\n";
}

std::string heading(std::string_view html) {
    return "<h1>" + std::string(html) + "</h1>\n";
}

// The portal's logout is a POST with the session's token (a GET only asks, see LogoutView).
std::string logoutForm(std::string_view token, std::string_view labelHtml) {
    return "<form method=\"post\" action=\"/logout\">\n<input type=\"hidden\" name=\"csrf\" "
           "value=\"" +
           escapeHtml(token) + "\">\n<button type=\"submit\">" + std::string(labelHtml) +
           "</button>\n</form>\n";
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// An announced error (WCAG 4.1.3): role="alert", a word before the message so that it is not
// carried by colour alone, and an id that the fields point to with aria-describedby.
std::string alert(Language lang, std::string_view id, std::string_view messageHtml) {
    return "<div class=\"alert\" role=\"alert\" id=\"" + std::string(id) + "\"><p><strong>" +
           text(lang, "error.prefix") + "</strong> " + std::string(messageHtml) + "</p></div>\n";
}

std::string loginErrorMessage(Language lang, const LoginView& view) {
    switch (view.error) {
        case LoginError::none:
            return {};
        case LoginError::failed:
            return text(lang, "login.failed");
        case LoginError::throttled:
            if (view.retryMinutes <= 1) return text(lang, "login.throttled_one");
            return text(lang, "login.throttled", {{"minutes", std::to_string(view.retryMinutes)}});
        case LoginError::directoryUnavailable:
            return text(lang, "directory.unavailable",
                        {{"directory", view.directoryName.empty() ? view.choice.label.in(lang)
                                                                  : view.directoryName}});
        case LoginError::busy:
            return text(lang, "login.busy", {{"seconds", std::to_string(view.retrySeconds)}});
        case LoginError::slowed:
            return text(lang, "login.slowed", {{"seconds", std::to_string(view.retrySeconds)}});
    }
    return {};
}

int loginStatus(LoginError error) {
    switch (error) {
        case LoginError::none:
            return 200;
        case LoginError::failed:
            return 401;
        case LoginError::throttled:
            return 429;
        case LoginError::directoryUnavailable:
        case LoginError::busy:
            return 503;
        case LoginError::slowed:
            return 429;
    }
    return 200;
}

std::string inputAttributes(bool describedByError, bool invalid) {
    std::string out;
    if (describedByError) out += " aria-describedby=\"login-error\"";
    if (invalid) out += " aria-invalid=\"true\"";
    return out;
}

std::string denyReason(Language lang, const DenyView& view) {
    std::string first = view.expected.empty() ? std::string{} : view.expected.front();
    switch (view.kind) {
        case DenyKind::profile: {
            std::vector<std::string> names;
            for (const auto& code : view.expected) names.push_back(profileName(lang, code));
            return text(lang, "deny.profile", {{"profiles", joined(names)}});
        }
        case DenyKind::structure:
            return text(lang, "deny.structure", {{"structures", joined(view.expected)}});
        case DenyKind::directory:
            return text(lang, "deny.directory", {{"directories", joined(view.expected)}});
        case DenyKind::level:
            return text(lang, "deny.level", {{"level", levelName(lang, first)}});
        case DenyKind::assurance:
            return text(lang, "deny.assurance", {{"level", first}});
        case DenyKind::other:
            break;
    }
    return text(lang, "deny.other");
}

std::string denyActual(Language lang, const DenyView& view) {
    if (view.actual.empty()) return {};
    switch (view.kind) {
        case DenyKind::profile:
            return text(lang, "deny.actual_profile", {{"actual", profileName(lang, view.actual)}});
        case DenyKind::structure:
            return text(lang, "deny.actual_structure", {{"actual", view.actual}});
        case DenyKind::directory:
            return text(lang, "deny.actual_directory", {{"actual", view.actual}});
        case DenyKind::level:
            return text(lang, "deny.actual_level", {{"actual", levelName(lang, view.actual)}});
        case DenyKind::assurance:
            return text(lang, "deny.actual_assurance", {{"actual", view.actual}});
        case DenyKind::other:
            break;
    }
    return {};
}

}  // namespace

PageContext PageContext::from(const core::HttpRequest& request, Language fallback,
                              std::string_view serviceLocales) {
    PageContext context;
    context.language = pickLanguage(request, fallback, serviceLocales);
    context.path = request.path;
    context.query = request.query;
    auto lang = request.param("lang");
    context.rememberLanguage = lang && parseLanguage(*lang).has_value();
    return context;
}

core::HttpResponse renderChoice(const PageContext& context, const ChoiceView& view) {
    Language lang = context.language;
    std::string body = heading(text(lang, "choice.title"));
    body += paragraph(view.serviceName.empty()
                          ? text(lang, "choice.intro")
                          : text(lang, "choice.for_service", {{"service", view.serviceName}}),
                      "context");
    if (view.choices.empty()) {
        body += paragraph(text(lang, "choice.none"));
    } else {
        body += "<ul class=\"choices\">\n";
        for (const auto& choice : view.choices) {
            std::string href = link(view.loginPath, {{"flow", view.flowId}, {"choice", choice.id}});
            body += "<li><a class=\"choice\" href=\"" + escapeHtml(href) + "\">" +
                    escapeHtml(choice.label.in(lang)) + "</a></li>\n";
        }
        body += "</ul>\n";
    }
    return document(context, 200, text(lang, "choice.title"), body, context.query);
}

core::HttpResponse renderLogin(const PageContext& context, const LoginView& view) {
    Language lang = context.language;
    std::string label = escapeHtml(view.choice.label.in(lang));
    std::string error = loginErrorMessage(lang, view);
    bool failed = view.error == LoginError::failed;
    // The password to type again: after a failure, and after "try again in N seconds".
    bool retype = failed || view.error == LoginError::busy || view.error == LoginError::slowed;

    // Where the focus starts (WCAG 2.4.3): the field to fill, or after a failure the password to
    // type again, whose aria-describedby then reads the error out (WCAG 4.1.3, no script).
    const bool focusPassword = retype && !view.login.empty();
    const char* autofocus = " autofocus";
    std::string body = heading(label);
    if (!view.serviceName.empty())
        body +=
            paragraph(text(lang, "login.for_service", {{"service", view.serviceName}}), "context");
    if (!error.empty()) body += alert(lang, "login-error", error);
    body += "<form method=\"post\" action=\"" + escapeHtml(link(view.loginPath, {})) + "\">\n";
    body += "<input type=\"hidden\" name=\"flow\" value=\"" + escapeHtml(view.flowId) + "\">\n";
    body +=
        "<input type=\"hidden\" name=\"choice\" value=\"" + escapeHtml(view.choice.id) + "\">\n";
    body += "<input type=\"hidden\" name=\"csrf\" value=\"" + escapeHtml(view.csrfToken) + "\">\n";
    body += "<div class=\"field\">\n<label for=\"login\">" + text(lang, "login.login") +
            "</label>\n<input type=\"text\" id=\"login\" name=\"login\" value=\"" +
            escapeHtml(view.login) +
            "\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required" +
            inputAttributes(!error.empty(), failed) + (focusPassword ? "" : autofocus) +
            ">\n</div>\n";
    // The password is never written back into the page (it would sit in the browser's cache
    // and history of a shared computer).
    body += "<div class=\"field\">\n<label for=\"password\">" + text(lang, "login.password") +
            "</label>\n<input type=\"password\" id=\"password\" name=\"password\" "
            "autocomplete=\"current-password\" required" +
            inputAttributes(retype, failed) + (focusPassword ? autofocus : "") + ">\n</div>\n";
    body += "<button type=\"submit\">" + text(lang, "login.submit") + "</button>\n</form>\n";
    if (view.offerOtherChoices)
        body += "<p class=\"back\"><a href=\"" +
                escapeHtml(link(view.loginPath, {{"flow", view.flowId}})) + "\">" +
                text(lang, "login.back") + "</a></p>\n";

    std::string title = label + " – " + text(lang, "login.title");
    if (!error.empty()) title = text(lang, "error.prefix") + " " + title;
    auto response = document(context, loginStatus(view.error), title, body,
                             {{"flow", view.flowId}, {"choice", view.choice.id}});
    if (view.error == LoginError::throttled)
        response.header("Retry-After", std::to_string(std::max(1, view.retryMinutes) * 60));
    if (view.error == LoginError::busy || view.error == LoginError::slowed)
        response.header("Retry-After", std::to_string(std::max(1, view.retrySeconds)));
    return response;
}

core::HttpResponse renderDeny(const PageContext& context, const DenyView& view) {
    Language lang = context.language;
    std::string body = heading(text(lang, "deny.title"));
    body += paragraph(view.serviceName.empty()
                          ? text(lang, "deny.this_service")
                          : text(lang, "deny.service", {{"service", view.serviceName}}));
    // The reason and what the person has, side by side in one panel: the part to read first.
    body += "<div class=\"reason\">\n" + paragraph(denyReason(lang, view));
    if (auto actual = denyActual(lang, view); !actual.empty()) body += paragraph(actual);
    body += "</div>\n";
    if (!view.displayName.empty())
        body += paragraph(text(lang, "deny.signed_in_as", {{"name", view.displayName}}));
    body += paragraph(text(lang, "deny.help"), "context");
    body += logoutForm(view.logoutToken, text(lang, "deny.logout"));
    if (!view.backToService)
        return document(context, 403, text(lang, "deny.title"), body, context.query);
    // The protocol tells the service too (a SAML RequestDenied Response): the person takes it
    // back with this button.
    const auto& back = *view.backToService;
    if (back.fields.empty()) {  // a redirect's link (an OIDC error in the query)
        body += "<p><a class=\"button\" href=\"" + escapeHtml(back.action) + "\">" +
                text(lang, "deny.back") + "</a></p>\n";
    } else {
        body += "<form method=\"post\" action=\"" + escapeHtml(back.action) + "\">\n";
        for (const auto& [name, value] : back.fields)
            body += "<input type=\"hidden\" name=\"" + escapeHtml(name) + "\" value=\"" +
                    escapeHtml(value) + "\">\n";
        body += "<button type=\"submit\">" + text(lang, "deny.back") + "</button>\n</form>\n";
    }
    auto page = document(context, 403, text(lang, "deny.title"), body, context.query);
    std::string policy(contentSecurityPolicy);
    const std::string formAction = "form-action 'self'";
    policy.insert(policy.find(formAction) + formAction.size(), " " + core::originOf(back.action));
    page.header("Content-Security-Policy", policy);
    page.authenticationPage = true;
    return page;
}

core::HttpResponse renderError(const PageContext& context, const ErrorView& view) {
    Language lang = context.language;
    // An unknown key would show its name; the generic sentence is better for the person.
    std::string key = hasMessage(view.messageKey) ? view.messageKey : "error.internal";
    std::string body = heading(text(lang, "error.title"));
    body += paragraph(text(lang, key));
    // The detail (an unregistered service URL...) is text inside <code>, never a link: Sesame
    // does not send anyone to an address it does not know (CAS 3.0 §2.2.1, open redirects).
    if (!view.detail.empty())
        body += paragraph(text(lang, "error.detail") + " <code class=\"detail\">" +
                          escapeHtml(view.detail) + "</code>");
    int status = view.status >= 400 && view.status <= 599 ? view.status : 500;
    return document(context, status, text(lang, "error.title"), body, context.query);
}

namespace {

// The logged-out page of a single logout that goes through the browser: one hidden frame per
// front-channel service, then on to `next` once every frame loaded or after 4 s whatever they do,
// so that no service can hold the person up. Without JavaScript the button does the same.
constexpr std::string_view logoutScript =
    "(function(){var f=document.querySelectorAll('iframe.slo'),n=f.length,done=false;"
    "function go(){if(done)return;done=true;var c=document.getElementById('continue');"
    "if(!c)return;if(c.tagName==='FORM')c.submit();else location.replace(c.href);}"
    "f.forEach(function(x){x.addEventListener('load',function(){if(--n<=0)go();});});"
    "if(n===0)go();setTimeout(go,4000);})();";

std::string logoutFrames(Language lang, const LoggedOutView& view) {
    std::string html;
    for (const auto& url : view.frames)
        html += "<iframe class=\"slo\" hidden title=\"" + text(lang, "logout.frame") + "\" src=\"" +
                escapeHtml(url) + "\"></iframe>\n";
    if (view.next) {
        const auto& next = *view.next;
        html += paragraph(text(lang, "logout.back_to_service"));
        if (next.fields.empty()) {
            html += "<p><a id=\"continue\" href=\"" + escapeHtml(next.action) + "\">" +
                    text(lang, "logout.continue") + "</a></p>\n";
        } else {
            html += "<form id=\"continue\" method=\"post\" action=\"" + escapeHtml(next.action) +
                    "\">\n";
            for (const auto& [name, value] : next.fields)
                html += "<input type=\"hidden\" name=\"" + escapeHtml(name) + "\" value=\"" +
                        escapeHtml(value) + "\">\n";
            html +=
                "<button type=\"submit\">" + text(lang, "logout.continue") + "</button>\n</form>\n";
        }
    }
    html += "<script>" + std::string(logoutScript) + "</script>\n";
    return html;
}

// The page's policy: the portal's, plus the frames' origins, the script by its hash and the
// next step's origin as a form target.
core::HttpResponse withLogoutFrames(core::HttpResponse page, const LoggedOutView& view) {
    std::set<std::string> origins;  // compared whole: https://sp.fr is not in https://sp.fr:8443
    for (const auto& url : view.frames)
        if (auto origin = core::originOf(url); !origin.empty()) origins.insert(origin);
    std::string frames, forms;
    for (const auto& origin : origins) frames += " " + origin;
    if (view.next && !view.next->fields.empty()) forms = " " + core::originOf(view.next->action);
    std::string policy = "default-src 'none'; style-src 'self'; script-src " +
                         core::cspHash(logoutScript) + "; form-action 'self'" + forms +
                         "; frame-ancestors 'none'; base-uri 'none'";
    // 'self': each SP answers its frame with a LogoutResponse to Sesame (a redirect in the frame).
    if (!frames.empty()) policy += "; frame-src 'self'" + frames;
    page.header("Content-Security-Policy", policy);
    page.authenticationPage = true;  // it carries logout messages: never cached
    return page;
}

}  // namespace

core::HttpResponse renderLoggedOut(const PageContext& context, const LoggedOutView& view) {
    Language lang = context.language;
    std::string body = heading(text(lang, "logout.title"));
    body += paragraph(text(lang, "logout.done"));
    if (!view.services.empty()) {
        body += paragraph(text(lang, "logout.services"));
        body += "<ul>\n";
        for (const auto& service : view.services) body += "<li>" + escapeHtml(service) + "</li>\n";
        body += "</ul>\n";
    }
    body += paragraph(text(lang, "logout.shared_device"), "context");
    if (view.frames.empty() && !view.next)
        return document(context, 200, text(lang, "logout.title"), body, context.query);
    return withLogoutFrames(document(context, 200, text(lang, "logout.title"),
                                     body + logoutFrames(lang, view), context.query),
                            view);
}

core::HttpResponse renderSession(const PageContext& context, const SessionView& view) {
    Language lang = context.language;
    std::string body = heading(text(lang, "session.title"));
    body += "<dl class=\"facts\">\n";
    auto fact = [&](std::string_view key, const std::string& valueHtml) {
        if (valueHtml.empty()) return;
        body += "<dt>" + text(lang, key) + "</dt><dd>" + valueHtml + "</dd>\n";
    };
    fact("session.name", escapeHtml(view.displayName));
    if (!view.profile.empty()) {
        std::string name = profileName(lang, view.profile);
        fact("session.profile",
             escapeHtml(name) +
                 (name == view.profile ? std::string{} : " (" + escapeHtml(view.profile) + ")"));
    }
    fact("session.uai", escapeHtml(view.uai));
    body += "</dl>\n";
    body += logoutForm(view.logoutToken, text(lang, "session.logout"));
    return document(context, 200, text(lang, "session.title"), body, context.query);
}

core::HttpResponse renderLogoutQuestion(const PageContext& context, const LogoutView& view) {
    Language lang = context.language;
    std::string body = heading(text(lang, "logout.question"));
    body += paragraph(text(lang, "logout.explained"));
    body += logoutForm(view.logoutToken, text(lang, "session.logout"));
    return document(context, 200, text(lang, "logout.question"), body, context.query);
}

core::HttpResponse renderUnavailable(const PageContext& context) {
    Language lang = context.language;
    std::string body = heading(text(lang, "unavailable.title"));
    body += paragraph(text(lang, "error.unavailable"));
    auto response = document(context, 503, text(lang, "unavailable.title"), body, context.query);
    response.header("Retry-After", "30");
    return response;
}

}  // namespace sesame::portal
