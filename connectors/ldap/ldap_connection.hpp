#pragma once
// The one place that touches libldap: an RAII connection whose synchronous calls return
// Results (libldap result codes in ldapResultCategory()), and a small pool of idle ones.
// Everything here blocks: LdapDirectory calls it from its own thread pool, never from an
// event loop thread.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/ldap/ldap_directory_config.hpp"
#include "gateway/core/identity.hpp"
#include "gateway/core/result.hpp"

typedef struct ldap LDAP;

namespace sesame::ldap {

struct LdapEntry {
    std::string dn;
    core::AttributeSet attributes;  // binary values made printable (mapping::printableValue)
};

class LdapConnection {
  public:
    // Sets protocol v3, no referral chasing, the network and operation timeouts and the TLS
    // options, then runs StartTLS when configured. Does not bind.
    static Result<std::unique_ptr<LdapConnection>> open(const LdapDirectoryConfig& config);
    ~LdapConnection();
    LdapConnection(const LdapConnection&) = delete;
    LdapConnection& operator=(const LdapConnection&) = delete;

    // RFC 4513 §5.1.3 simple bind. The caller refuses an empty password first (§5.1.2).
    Result<void> simpleBind(const std::string& dn, std::string_view password);
    // Entries found, up to sizeLimit (a search that hits the limit returns what it got).
    // attributes empty: all user attributes.
    Result<std::vector<LdapEntry>> search(const std::string& base, bool subtree, bool baseOnly,
                                          const std::string& filter,
                                          const std::vector<std::string>& attributes,
                                          int sizeLimit);
    // The server's diagnostic message of the last operation (for logs), may be empty.
    std::string diagnostic() const;

  private:
    LdapConnection(LDAP* ld, std::chrono::milliseconds timeout) : ld_(ld), timeout_(timeout) {}
    LDAP* ld_;
    std::chrono::milliseconds timeout_;
};

// Idle connections, at most `capacity`; one thread uses a connection at a time.
class ConnectionPool {
  public:
    explicit ConnectionPool(std::size_t capacity) : capacity_(capacity) {}
    std::unique_ptr<LdapConnection> take();  // nullptr when none is idle
    void give(std::unique_ptr<LdapConnection> connection);
    void clear();  // after the server went away: the other idle connections are dead too
    std::size_t idle() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<LdapConnection>> idle_;
    std::size_t capacity_;
};

}  // namespace sesame::ldap
