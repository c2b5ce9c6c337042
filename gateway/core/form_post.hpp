#pragma once
// A message a protocol sends to a service through the browser by POST (CAS method=POST, the
// SAML HTTP-POST binding, OIDC form_post): a page whose form posts itself, written once.
#include <string>
#include <string_view>

#include "gateway/core/http_message.hpp"

namespace sesame::core {

struct FormPost {
    std::string action;  // the service's URL (absolute); the form may post nowhere else
    Parameters fields;   // hidden fields, in order
};

// The page: a form that submits itself with one script allowed by its hash, and a button for
// browsers without JavaScript; its own Content-Security-Policy (form-action: the action's origin
// only), Cache-Control: no-store. `language`: "fr" (default) or "en".
HttpResponse renderAutoPost(const FormPost& post, std::string_view language);

// The CSP source that allows exactly this inline script or style: "'sha256-<base64>'" (CSP 3
// §8.4).
std::string cspHash(std::string_view inlineText);

// "https://ent.example:8443" of an absolute URL; empty when it has none.
std::string originOf(std::string_view url);

}  // namespace sesame::core
