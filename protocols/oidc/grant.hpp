#pragma once
// What an authorization code grants, kept in Redis (oidc-code, then oidc-grant): who, for which
// client, in which SSO session, with which scopes and claims. The claims are those released when
// the person authorized, so that UserInfo answers the same after the person has gone.
//
// Lifecycle (docs/operations.md, "Redis keys"):
//   /authorize  oidc-code:<code> = Grant (session artefact, code lifetime)
//   /token      GETDEL the code; oidc-grant:<sha256(code)> = Grant (session artefact); access
//               tokens name the grant, refresh tokens too (oidc-rt:<sha256(token)> = grant id)
//   a second use of the code finds its grant and deletes it: whatever it issued stops working
//   logout      deletes the session's artefacts: codes, grants and refresh tokens go with it
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "gateway/core/result.hpp"

namespace sesame::oidc {

struct Grant {
    std::string clientId;
    std::string serviceId;
    std::string subject;       // `sub` as this client sees it
    std::string ssoSessionId;  // empty for client_credentials
    std::string sid;           // `sid` of the ID token and logout tokens
    std::vector<std::string> scopes;
    boost::json::object claims;  // released claims of those scopes
    std::int64_t authTime = 0;
    std::string acr;
    std::vector<std::string> amr;
    // Only while it is a code:
    std::string redirectUri;
    std::string nonce;
    std::string codeChallenge;  // S256
};

std::string toJsonText(const Grant& grant);
Result<Grant> grantFromJsonText(std::string_view text);

// The Redis id of what a secret names (a code's grant, a refresh token, an opaque access
// token): base64url(SHA-256(secret)), so that Redis holds no usable secret.
std::string storageId(std::string_view secret);

}  // namespace sesame::oidc
