#pragma once
// An LDAP directory as a credential connector: search-then-bind (RFC 4513 §5.1.3 simple bind
// as the entry found with Sesame's service account), with pooled connections and timeouts.
// libldap is synchronous: its calls run on a small thread pool owned by the directory, and the
// caller's coroutine resumes on its own executor, so that an event loop never waits for LDAP.
#include <memory>
#include <string>

#include "connectors/ldap/ldap_connection.hpp"
#include "connectors/ldap/ldap_directory_config.hpp"
#include "connectors/ldap/ldap_error.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/connector.hpp"
#include "gateway/core/log.hpp"

namespace sesame::ldap {

class LdapDirectory final : public core::CredentialConnector {
  public:
    // Opens nothing yet: connections are made on first use, and re-made after a failure, so a
    // directory that is down at start or restarts later works again without a new connector.
    // `clock` (for authTime) must outlive the directory; nullptr means the system clock.
    explicit LdapDirectory(LdapDirectoryConfig config, const core::Clock* clock = nullptr);
    ~LdapDirectory() override;  // waits for operations in flight (bounded by the timeouts)

    const std::string& id() const override { return config_.id; }
    // invalid_credentials: no entry, several entries, wrong or empty password (alike);
    // unavailable: server down or refusing the service account; timeout.
    boost::asio::awaitable<Result<core::Identity>> verify(std::string login,
                                                          std::string password) override;
    // All user attributes of the entry (secrets excepted) and their mapping. not_found,
    // ldap::Errc::ambiguous_login, unavailable, timeout.
    boost::asio::awaitable<Result<core::DirectoryLookup>> lookup(std::string login) override;
    // A base search of base_dn as the service account.
    boost::asio::awaitable<Result<void>> probe() override;

    core::BoundedPool& checks() override { return checks_; }

    const LdapDirectoryConfig& config() const { return config_; }

  private:
    Result<core::Identity> verifyNow(const std::string& login, const std::string& password);
    Result<core::DirectoryLookup> lookupNow(const std::string& login);
    Result<void> probeNow();
    Result<std::vector<LdapEntry>> findUser(const std::string& login,
                                            const std::vector<std::string>& attributes);
    Result<void> bindAs(const std::string& dn, const std::string& password);
    Result<std::unique_ptr<LdapConnection>> openServiceConnection();
    template <class T, class Operation>
    Result<T> withConnection(ConnectionPool& pool, bool service, Operation operation);
    void logFailure(std::string_view what, const error_code& ec) const;

    LdapDirectoryConfig config_;
    std::vector<std::string> searchAttributes_;
    const core::Clock* clock_;
    core::Logger log_{"ldap"};
    ConnectionPool servicePool_;  // bound as bind_dn, for searches
    ConnectionPool bindPool_;     // for users' binds: each bind replaces the previous identity
    core::BoundedPool checks_;    // pool_size threads, queue_size waiting
};

}  // namespace sesame::ldap
