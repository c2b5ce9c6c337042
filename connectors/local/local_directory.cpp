#include "connectors/local/local_directory.hpp"

#include "gateway/core/text.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <filesystem>

#include "connectors/mapping/attribute_mapping.hpp"
#include "gateway/core/blocking_work.hpp"
#include "gateway/core/random.hpp"

namespace sesame::local {
namespace {

namespace asio = boost::asio;

bool isUai(const std::string& s) {
    return s.size() == 8 &&
           std::all_of(s.begin(), s.begin() + 7, [](unsigned char c) { return std::isdigit(c); }) &&
           std::isalpha(static_cast<unsigned char>(s[7]));
}

bool isLogin(const std::string& s) {
    return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '@';
    });
}

std::string resolve(const core::ConfigNode& node, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute() || node.file().empty())
        return path;
    return (std::filesystem::path(node.file()).parent_path() / path).lexically_normal().string();
}

const core::SystemClock systemClock;

LocalAccount parseAccount(const core::ConfigNode& item, core::ConfigErrors& errors) {
    LocalAccount a;
    if (!item.isMap()) {
        errors.add(item, "expected an account: a map with login, password_hash, ...");
        return a;
    }
    item.checkKeys(errors, {"login", "password_hash", "subject", "display_name", "given_name",
                            "family_name", "email", "profile", "profiles", "structures"});
    const auto& login = item["login"];
    a.login = login.requiredString(errors);
    if (!a.login.empty() && !isLogin(a.login))
        errors.add(login, "expected a login of letters, digits and . - _ @ (at most 128)");
    const auto& hash = item["password_hash"];
    a.passwordHash = hash.requiredString(errors);
    if (!a.passwordHash.empty() && !parseArgon2idHash(a.passwordHash))
        errors.add(hash,
                   "expected an argon2id hash \"$argon2id$v=19$m=...,t=...,p=...$salt$hash\""
                   " (print one with `sesame passwd`)");
    a.subject = item["subject"].asString(errors, a.login);
    a.givenName = item["given_name"].asString(errors);
    a.familyName = item["family_name"].asString(errors);
    a.displayName = item["display_name"].asString(errors);
    if (a.displayName.empty()) {
        a.displayName =
            a.givenName + (a.givenName.empty() || a.familyName.empty() ? "" : " ") + a.familyName;
    }
    a.email = item["email"].asString(errors);
    if (item["profile"].present() && item["profiles"].present())
        errors.add(item["profiles"], "give either profile or profiles, not both");
    a.profiles = item["profile"].present() ? item["profile"].asStringList(errors)
                                           : item["profiles"].asStringList(errors);
    const auto& structures = item["structures"];
    a.structures = structures.asStringList(errors);
    for (const auto& uai : a.structures)
        if (!isUai(uai))
            errors.add(structures,
                       "expected UAIs (7 digits and a letter, e.g. 0690001A), got \"" + uai + "\"");
    return a;
}

}  // namespace

LocalDirectoryConfig LocalDirectoryConfig::parse(const core::ConfigNode& node,
                                                 core::ConfigErrors& errors) {
    LocalDirectoryConfig c;
    node.checkKeys(errors, {"id", "type", "accounts_file", "assurance", "threads", "queue_size"});
    c.id = node["id"].requiredString(errors);
    c.accountsFile = resolve(node, node["accounts_file"].requiredString(errors));
    c.assurance = node["assurance"].asString(errors, c.assurance);
    c.threads = static_cast<int>(node["threads"].asInt(errors, c.threads, 1, 8));
    c.queueSize =
        static_cast<int>(node["queue_size"].asInt(errors, 16 * std::int64_t{c.threads}, 0, 10'000));
    return c;
}

std::vector<LocalAccount> parseAccounts(const core::ConfigNode& file, core::ConfigErrors& errors) {
    std::vector<LocalAccount> accounts;
    if (!file.isMap()) {
        errors.add(file, "expected a map with an `accounts:` list");
        return accounts;
    }
    file.checkKeys(errors, {"accounts"});
    const auto& list = file["accounts"];
    if (!list.isSequence()) {
        errors.add(list, "expected a list of accounts");
        return accounts;
    }
    for (const auto& item : list.items()) {
        auto account = parseAccount(item, errors);
        if (account.login.empty()) continue;
        bool duplicate = std::any_of(accounts.begin(), accounts.end(), [&](const LocalAccount& a) {
            return core::toLower(a.login) == core::toLower(account.login);
        });
        if (duplicate) {
            errors.add(item["login"], "login \"" + account.login + "\" is given twice");
            continue;
        }
        accounts.push_back(std::move(account));
    }
    return accounts;
}

LocalDirectory::LocalDirectory(LocalDirectoryConfig config, std::vector<LocalAccount> accounts,
                               const core::Clock* clock)
    : config_(std::move(config)),
      accounts_(std::move(accounts)),
      clock_(clock ? clock : &systemClock),
      checks_(static_cast<std::size_t>(std::max(1, config_.threads)),
              static_cast<std::size_t>(config_.queueSize)) {
    if (!accounts_.empty())
        if (auto c = parseArgon2idHash(accounts_.front().passwordHash)) dummyCost_ = *c;
    // Ready before the first unknown login, without delaying the start.
    checks_.post([this] { dummyHash(); });
    log_.info("directory loaded",
              {{"directory", config_.id}, {"accounts", std::to_string(accounts_.size())}});
}

LocalDirectory::~LocalDirectory() = default;

const std::string& LocalDirectory::dummyHash() {
    std::call_once(dummyOnce_, [this] {
        auto hash = hashPassword(core::randomToken(16), dummyCost_);
        if (hash) dummyHash_ = *hash;
    });
    return dummyHash_;
}

const LocalAccount* LocalDirectory::find(const std::string& login) const {
    // Logins compare without case, like an LDAP directory's caseIgnoreMatch on uid.
    auto wanted = core::toLower(login);
    for (const auto& a : accounts_)
        if (core::toLower(a.login) == wanted) return &a;
    return nullptr;
}

core::Identity LocalDirectory::identityOf(const LocalAccount& a) const {
    core::Identity id;
    id.subject = a.subject;
    id.directory = config_.id;
    id.login = a.login;
    id.displayName = a.displayName;
    id.givenName = a.givenName;
    id.familyName = a.familyName;
    id.email = a.email;
    id.structures = a.structures;
    id.profiles = mapping::pairProfiles(a.profiles, a.structures);
    id.assurance = config_.assurance;
    auto keep = [&](const char* name, const std::string& v) {
        if (!v.empty()) id.attributes.set(name, {v});
    };
    keep("login", a.login);
    keep("subject", a.subject);
    keep("display_name", a.displayName);
    keep("given_name", a.givenName);
    keep("family_name", a.familyName);
    keep("email", a.email);
    id.attributes.set("profiles", a.profiles);
    id.attributes.set("structures", a.structures);
    return id;
}

asio::awaitable<Result<core::Identity>> LocalDirectory::verify(std::string login,
                                                               std::string password) {
    // An empty password is refused for every login alike, so refusing it early tells nothing.
    if (password.empty() || login.empty()) co_return core::Errc::invalid_credentials;
    const LocalAccount* account = find(login);
    // The work owns a copy of the password: the pool never reads this coroutine's frame, which
    // may be gone first. Built as a named local: g++ 12 copies a closure created inside a
    // co_await expression bit by bit (its strings then point into this frame).
    auto work = [this, account, secret = password] {
        return verifyPassword(account ? account->passwordHash : dummyHash(), secret);
    };
    bool match = co_await checks_.run<bool>(std::move(work));
    if (!account || !match) {
        log_.info("login refused", {{"directory", config_.id},
                                    {"login", login},
                                    {"reason", account ? "wrong password" : "unknown account"}});
        co_return core::Errc::invalid_credentials;
    }
    auto id = identityOf(*account);
    id.authMethod = "password";
    id.authTime = clock_->nowSeconds();
    log_.info("login verified", {{"directory", config_.id}, {"login", account->login}});
    co_return id;
}

asio::awaitable<Result<core::DirectoryLookup>> LocalDirectory::lookup(std::string login) {
    const LocalAccount* account = find(login);
    if (!account) co_return core::Errc::not_found;
    core::DirectoryLookup out;
    out.entryName = account->login;
    out.mapped = identityOf(*account);
    out.raw = out.mapped.attributes;  // the file's fields; the hash is never shown
    co_return out;
}

asio::awaitable<Result<void>> LocalDirectory::probe() {
    co_return Result<void>{};  // the accounts are in memory: always reachable
}

}  // namespace sesame::local
