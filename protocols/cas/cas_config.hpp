#pragma once
// The `cas:` section of etc/sesame.yml, parsed once into an immutable struct.
#include <chrono>
#include <string>

#include "gateway/core/config_node.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"

namespace sesame::cas {

struct CasConfig {
    // Given by the app (server.public_url), e.g. "https://127.0.0.1:8443": the SAML 1.1 Issuer.
    std::string publicUrl;
    // CAS 3.0 §3.1.1 recommends at most five minutes; short by default.
    std::chrono::seconds serviceTicketLifetime{30};
    std::chrono::seconds proxyTicketLifetime{30};
    // Upper bound; a PGT also ends with its SSO session (§3.3.1), checked at every /proxy.
    std::chrono::seconds proxyGrantingTicketLifetime{std::chrono::hours(2)};
    // Also put <cas:attributes> in /serviceValidate and /proxyValidate (CAS 2.0 URLs), where
    // mod_auth_cas and phpCAS read them; /p3/ always has them.
    bool releaseAttributesV2 = true;
    // `section` is the node of `cas:`; absent keys keep the defaults above.
    static CasConfig parse(const core::ConfigNode& section, std::string publicUrl,
                           core::ConfigErrors& errors);
};

// The CAS keys of a service in the registry (etc/services/*.yml).
struct CasServiceSettings final : policies::ProtocolSettings {
    policies::UrlPattern proxyCallback;  // proxy_callback_pattern: allowed pgtUrl; empty: none
    std::string logoutUrl;  // logout_url: where single logout POSTs; empty: the service URL
};
policies::ProtocolSchema casServiceSchema();

// The CAS artefacts in the session store (docs/operations.md, "Redis keys").
inline constexpr session::ArtefactKind serviceTickets{"st"};
inline constexpr session::ArtefactKind proxyTickets{"pt"};
inline constexpr session::ArtefactKind proxyGrantingTickets{"pgt"};

}  // namespace sesame::cas
