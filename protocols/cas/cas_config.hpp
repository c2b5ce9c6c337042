#pragma once
// The `cas:` section of etc/sesame.yml, parsed once into an immutable struct.
#include <chrono>
#include <string>

#include "gateway/core/config_node.hpp"
#include "gateway/session/session_store.hpp"

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
    // Given by the app (session: section): how a PGT's session is looked up at /proxy.
    session::SessionTimeouts sessionTimeouts;

    // `section` is the node of `cas:`; absent keys keep the defaults above.
    static CasConfig parse(const core::ConfigNode& section, std::string publicUrl,
                           session::SessionTimeouts timeouts, core::ConfigErrors& errors);
};

}  // namespace sesame::cas
