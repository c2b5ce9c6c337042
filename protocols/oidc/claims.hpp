#pragma once
// What a client learns about a person: its subject (public or pairwise), the session id `sid`,
// and the claims of the scopes it was granted, each only when the client's policy releases it
// (the same policy engine and `release` map as CAS attributes and SAML assertions).
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/endpoint.hpp"
#include "policies/policy.hpp"
#include "protocols/oidc/oidc_config.hpp"

namespace sesame::oidc {

// "openid profile  ent" -> {"openid", "profile", "ent"} (RFC 6749 §3.3: space-delimited, order
// irrelevant); duplicates removed. nullopt when a scope token has a character §3.3 forbids.
std::optional<std::vector<std::string>> parseScope(std::string_view scope);
std::string joinScope(const std::vector<std::string>& scopes);

// The granted scopes: those asked that the client may have and the provider knows ("openid"
// always first when asked).
std::vector<std::string> grantedScopes(const std::vector<std::string>& asked,
                                       const OidcClientSettings& client, const OidcConfig& config);

// The subject: the released user id (the service's user_attribute), or for a pairwise client a
// keyed hash of it and the client's sector (the host of its redirect URIs; its client_id when they
// have several hosts), so that two clients cannot correlate a person (OIDC Core §8.1).
std::string subjectFor(const core::Release& release, const OidcClientSettings& client,
                       const OidcConfig& config);

// `sid` (Front- and Back-Channel Logout §2.1 / §2.4): the same for every client of one SSO
// session, derived from the session id by a keyed hash, so that it reveals nothing of the cookie.
std::string sessionIdFor(const std::string& ssoSessionId, const OidcConfig& config);

// The released claims of the granted scopes: multi-valued sources (profiles, structures, classes,
// children, functions) become arrays, the others strings.
boost::json::object claimsFor(const core::Release& release, const policies::Service& service,
                              const std::vector<std::string>& scopes, const OidcConfig& config);

// Of `claims`, those that `scopes` carry (an access token narrowed by a refresh).
boost::json::object claimsOfScopes(const boost::json::object& claims,
                                   const std::vector<std::string>& scopes,
                                   const OidcConfig& config);

}  // namespace sesame::oidc
