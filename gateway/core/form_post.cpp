#include "gateway/core/form_post.hpp"

#include <cctype>

#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/core/text.hpp"

namespace sesame::core {
namespace {

std::string sha256Base64(std::string_view text) {
    return base64Encode(sha256(text));
}

}  // namespace

std::string cspHash(std::string_view inlineText) {
    return "'sha256-" + sha256Base64(inlineText) + "'";
}

std::string originOf(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    auto end = url.find_first_of("/?#", scheme + 3);
    auto origin = url.substr(0, end);
    // It goes into Content-Security-Policy headers: a URL from an SP's metadata whose host holds
    // ';' or ',' (legal in RFC 3986) must not add a directive. Only http(s), a host name or an
    // IP literal, and a port.
    auto protocolName = origin.substr(0, scheme);
    if (protocolName != "https" && protocolName != "http") return {};
    auto authority = origin.substr(scheme + 3);
    if (authority.empty()) return {};
    for (char c : authority)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
            c != '[' && c != ']')
            return {};
    return std::string(origin);
}

HttpResponse renderAutoPost(const FormPost& post, std::string_view language) {
    // The only script is the submit below, allowed by its hash; the form may only go to the
    // action's origin. The button is there for browsers without JavaScript: readable on a phone
    // (viewport), a target of at least 24 x 24 px (WCAG 2.2, 2.5.8), the portal's colours.
    static const std::string script = "document.forms[0].submit();";
    static const std::string style =
        "body{font:1.125rem/1.5 system-ui,sans-serif;margin:1.5rem;color:#1e1e1e;background:#fff}"
        "button{min-height:2.75rem;padding:.625rem 1.5rem;font:inherit;font-weight:600;"
        "color:#fff;background:#000091;border:2px solid #000091;border-radius:.25rem}";
    const bool english = language == "en";
    // Written in place: a SAMLResponse field is 10 kB or more of base64.
    std::string html;
    std::size_t values = 0;
    for (const auto& [name, value] : post.fields) values += name.size() + value.size() + 40;
    html.reserve(values + post.action.size() + 800);
    html += "<!DOCTYPE html>\n<html lang=\"";
    html += english ? "en" : "fr";
    html +=
        "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width, initial-scale=1\"><title>";
    html += english ? "Back to the service – Sesame" : "Retour au service – Sesame";
    html += "</title><style>";
    html += style;
    html += "</style></head><body><form method=\"post\" action=\"";
    html += escapeHtml(post.action);
    html += "\">";
    for (const auto& [name, value] : post.fields) {
        html += "<input type=\"hidden\" name=\"";
        html += escapeHtml(name);
        html += "\" value=\"";
        html += escapeHtml(value);
        html += "\">";
    }
    html += "<p>";
    html += english ? "You are being sent back to the service."
                    : "Vous allez être renvoyé vers le service.";
    html += "</p><button type=\"submit\">";
    html += english ? "Continue" : "Continuer";
    html += "</button></form><script>";
    html += script;
    html += "</script></body></html>\n";
    static const std::string scriptHash = cspHash(script);
    static const std::string styleHash = cspHash(style);
    HttpResponse r = HttpResponse::text(200, std::move(html), "text/html; charset=utf-8");
    r.header("Content-Security-Policy", "default-src 'none'; script-src " + scriptHash +
                                            "; style-src " + styleHash + "; form-action " +
                                            originOf(post.action) +
                                            "; base-uri 'none'; frame-ancestors 'none'");
    r.authenticationPage = true;
    return r;
}

}  // namespace sesame::core
