#pragma once
// Local accounts for people no institutional directory knows: after-school (périscolaire)
// partners, associations. The accounts live in a YAML file (etc/demo/partners.yml) with argon2id
// hashes printed by `sesame passwd`; the file is read once, at construction: a reload builds a
// new LocalDirectory.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/local/password_hash.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/config_node.hpp"
#include "gateway/core/connector.hpp"
#include "gateway/core/log.hpp"

namespace sesame::local {

// One item of `directories:` with `type: local`.
struct LocalDirectoryConfig {
    std::string id;
    std::string accountsFile;  // resolved against the folder of the configuration file
    std::string assurance = "low";
    int threads = 1;  // argon2 verifications at once; each holds m KiB of memory while it runs
    // Logins that may wait for a thread; beyond, "try again" at once (503). Default: 16 per
    // thread (an argon2id verification at the default cost takes some 50 ms).
    int queueSize = 16;

    static LocalDirectoryConfig parse(const core::ConfigNode& node, core::ConfigErrors& errors);
};

struct LocalAccount {
    std::string login;
    std::string passwordHash;  // argon2id PHC string
    std::string subject;       // defaults to the login
    std::string displayName;
    std::string givenName;
    std::string familyName;
    std::string email;
    std::vector<std::string> profiles;    // SDET or local codes (Local_PERISCOLAIRE)
    std::vector<std::string> structures;  // UAIs
};

// The accounts file, already read as a ConfigNode by the caller (gateway/config's loadYamlFile):
// `accounts: [ {login, password_hash, display_name, given_name, family_name, email, profile |
// profiles, structures, subject} ]`. Problems go to `errors` with the file and line.
std::vector<LocalAccount> parseAccounts(const core::ConfigNode& file, core::ConfigErrors& errors);

class LocalDirectory final : public core::CredentialConnector {
  public:
    // `clock` (for authTime) must outlive the directory; nullptr means the system clock.
    LocalDirectory(LocalDirectoryConfig config, std::vector<LocalAccount> accounts,
                   const core::Clock* clock = nullptr);
    ~LocalDirectory() override;

    const std::string& id() const override { return config_.id; }
    boost::asio::awaitable<Result<core::Identity>> verify(std::string login,
                                                          std::string password) override;
    boost::asio::awaitable<Result<core::DirectoryLookup>> lookup(std::string login) override;
    boost::asio::awaitable<Result<void>> probe() override;
    core::BoundedPool& checks() override { return checks_; }

    std::size_t size() const { return accounts_.size(); }

  private:
    const LocalAccount* find(const std::string& login) const;
    core::Identity identityOf(const LocalAccount& account) const;
    const std::string& dummyHash();  // made once, on the pool: never on the caller's thread

    LocalDirectoryConfig config_;
    std::vector<LocalAccount> accounts_;
    // Verified against for unknown logins, so that timing says nothing; it costs what a real
    // account costs (the first account's parameters).
    HashCost dummyCost_;
    std::once_flag dummyOnce_;
    std::string dummyHash_;
    const core::Clock* clock_;
    core::Logger log_{"local"};
    core::BoundedPool checks_;  // last: its threads stop before what they use is freed
};

}  // namespace sesame::local
