#pragma once
// What each page shows, as plain values the app fills (from the login flow, the policy decision,
// the session). The portal knows nothing of policies or protocols: it renders these.
// Every string here is plain text; the portal escapes it wherever it is written.
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/form_post.hpp"
#include "gateway/core/http_message.hpp"
#include "gateway/portal/language.hpp"
#include "gateway/portal/portal_config.hpp"

namespace sesame::portal {

// The request being answered: its language and where the language switch link points.
struct PageContext {
    Language language = Language::fr;
    std::string path;               // current path; the switch link is path?<query, lang=other>
    core::Parameters query;         // current query parameters ("lang" is replaced)
    bool rememberLanguage = false;  // set when the request said ?lang=: the page sets the cookie

    // pickLanguage(request, fallback), the request's path and query.
    // `serviceLocales`: the languages the service asked for (pickLanguage).
    static PageContext from(const core::HttpRequest& request, Language fallback,
                            std::string_view serviceLocales = {});
};

// 1. "Qui êtes-vous ?": one entry per choice, each to loginPath?flow=<flowId>&choice=<id>.
struct ChoiceView {
    std::string flowId;
    std::string serviceName;               // empty when unknown
    std::vector<DirectoryChoice> choices;  // in order; the app leaves out what the service refuses
    std::string loginPath = "/login";
};

// 2. The login form of one choice, POSTed to loginPath with flow, choice and csrf.
enum class LoginError {
    none,
    failed,                // unknown account and wrong password alike: one message
    throttled,             // retryMinutes says when to try again
    directoryUnavailable,  // the choice's directory does not answer; others still work
    busy,                  // a login storm: the directory's queue is full (503, retrySeconds)
    slowed,                // this address has too many logins waiting already (429, retrySeconds)
};

struct LoginView {
    std::string flowId;
    std::string csrfToken;
    DirectoryChoice choice;
    std::string serviceName;  // empty when unknown
    std::string login;        // re-filled after a failure; the password never is
    LoginError error = LoginError::none;
    int retryMinutes = 0;       // for throttled, rounded up by the app (at least 1)
    int retrySeconds = 0;       // for busy and slowed (at least 1)
    std::string directoryName;  // for directoryUnavailable; empty: the choice's label
    std::string loginPath = "/login";
    bool offerOtherChoices = true;  // the "choose another way" link (off with a single choice)
};

// 3. Access refused (403), saying why in words.
enum class DenyKind { profile, structure, directory, level, assurance, other };

struct DenyView {
    std::string serviceName;
    DenyKind kind = DenyKind::other;
    // profile: SDET codes (shown by name); structure: UAIs; directory: names of the directories
    // that would do; level / assurance: the minimum level (first item).
    std::vector<std::string> expected;
    std::string actual;       // what the person has, in the same vocabulary (may be empty)
    std::string displayName;  // who is signed in
    std::string logoutToken;  // the session's logout token: the button POSTs it to /logout
    // The refusal told to the service by its protocol (endpoint's refusal()), posted by a button.
    std::optional<core::FormPost> backToService;
};

// 4. An error page for a catalogue key ("error.service_unknown") and a detail shown as text.
struct ErrorView {
    int status = 400;
    std::string messageKey = "error.invalid_request";
    std::string detail;  // e.g. the unregistered service URL; never made a link
};

// 5. Signed out, with the services that were told to sign out too.
struct LoggedOutView {
    std::vector<std::string> services;
    // Front-channel single logout: URLs loaded in hidden frames of this page (each service
    // logs the person out when its frame loads it).
    std::vector<std::string> frames;
    // Where the page goes on to once the frames loaded, or after a few seconds whatever they
    // do (the service that started the logout): a form posted, or a link when `fields` is empty.
    std::optional<core::FormPost> next;
};

// 6. A CAS login without a service while a session exists.
struct SessionView {
    std::string displayName;
    std::string profile;  // active SDET code, shown by name and code
    std::string uai;
    std::string logoutToken;  // the session's logout token: the button POSTs it to /logout
};

// 7. "Se déconnecter ?": a GET of /logout asks first (a link or an image on another site must
// not end a session); the button POSTs the session's token back to /logout.
struct LogoutView {
    std::string logoutToken;
};

}  // namespace sesame::portal
