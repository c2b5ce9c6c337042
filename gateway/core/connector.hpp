#pragma once
// The contract of an upstream directory. Credential connectors (LDAP, local accounts) verify a
// login and password; interactive ones (SAML SP, OIDC RP, CAS client: next issues) will `begin`
// with a redirect and `complete` on the callback, into the same Identity.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "gateway/core/blocking_work.hpp"
#include "gateway/core/identity.hpp"
#include "gateway/core/result.hpp"

namespace sesame::core {

// What `sesame connector test` shows an academy: the raw entry and how it maps.
struct DirectoryLookup {
    std::string entryName;  // LDAP DN, local account name
    AttributeSet raw;       // attributes as the directory returned them
    Identity mapped;        // after the directory's attribute mapping
};

class CredentialConnector {
  public:
    virtual ~CredentialConnector() = default;
    virtual const std::string& id() const = 0;
    // Errors: Errc::invalid_credentials (unknown account and wrong password alike: the caller
    // must not be able to tell them apart), Errc::unavailable, Errc::timeout.
    // Never blocks the calling executor: directory I/O runs elsewhere and resumes the caller.
    virtual boost::asio::awaitable<Result<Identity>> verify(std::string login,
                                                            std::string password) = 0;
    // Looks an account up without authenticating it. Errc::not_found when there is none.
    virtual boost::asio::awaitable<Result<DirectoryLookup>> lookup(std::string login) = 0;
    // Cheap reachability probe (for /readyz detail and the portal's "directory down" message).
    virtual boost::asio::awaitable<Result<void>> probe() = 0;
    // Where this directory's password checks run and queue: the login flow takes a place there
    // before anything slow, and answers "try again" at once when there is none.
    virtual BoundedPool& checks() = 0;
};

}  // namespace sesame::core
