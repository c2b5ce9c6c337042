#include "connectors/ldap/ldap_directory.hpp"

#include <ldap.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "connectors/ldap/ldap_filter.hpp"
#include "gateway/core/blocking_work.hpp"
#include "gateway/core/text.hpp"

namespace sesame::ldap {
namespace {

namespace asio = boost::asio;

const core::SystemClock systemClock;

// A login goes into a filter and, as typed, into logs: bounded and well-formed first.
bool acceptableLogin(const std::string& login) {
    return !login.empty() && login.size() <= 256 && core::isValidUtf8(login);
}

}  // namespace

LdapDirectory::LdapDirectory(LdapDirectoryConfig config, const core::Clock* clock)
    : config_(std::move(config)),
      searchAttributes_(config_.mapping.attributeNames()),
      clock_(clock ? clock : &systemClock),
      servicePool_(static_cast<std::size_t>(config_.poolSize)),
      bindPool_(static_cast<std::size_t>(config_.poolSize)),
      checks_(static_cast<std::size_t>(config_.poolSize),
              static_cast<std::size_t>(config_.queueSize)) {
    // An empty list would ask for every attribute; "1.1" asks for none (RFC 4511 §4.5.1.8).
    if (searchAttributes_.empty()) searchAttributes_.push_back("1.1");
}

// Operations in flight finish first (checks_ joins its threads before the pools are freed,
// being declared after them).
LdapDirectory::~LdapDirectory() = default;

template <class T, class Operation>
Result<T> LdapDirectory::withConnection(ConnectionPool& pool, bool service, Operation operation) {
    for (int attempt = 0;; ++attempt) {
        auto conn = pool.take();
        bool reused = conn != nullptr;
        if (!conn) {
            auto opened = service ? openServiceConnection() : LdapConnection::open(config_);
            if (!opened) return opened.error();
            conn = std::move(*opened);
        }
        Result<T> result = operation(*conn);
        if (result || !breaksConnection(result.error())) {
            pool.give(std::move(conn));
            return result;
        }
        conn.reset();
        // Once the server is gone every idle connection is dead: drop them all, and give one
        // fresh connection a chance when this one had been sitting in the pool.
        if (serverGone(result.error())) pool.clear();
        if (!reused || !serverGone(result.error()) || attempt > 0) return result;
        log_.warning("connection lost, reconnecting", {{"directory", config_.id}});
    }
}

Result<std::unique_ptr<LdapConnection>> LdapDirectory::openServiceConnection() {
    auto conn = LdapConnection::open(config_);
    if (!conn || config_.bindDn.empty()) return conn;
    auto bound = (*conn)->simpleBind(config_.bindDn, config_.bindPassword);
    if (!bound) {
        if (bound.error() == ldapResult(LDAP_INVALID_CREDENTIALS))
            return make_error_code(Errc::service_bind_refused);
        return bound.error();
    }
    return conn;
}

Result<std::vector<LdapEntry>> LdapDirectory::findUser(const std::string& login,
                                                       const std::vector<std::string>& attributes) {
    auto filter = userFilter(config_.userFilter, login);
    // Two is enough to tell "exactly one" from "several" (RFC 4511 §4.5.1.4 sizeLimit).
    auto entries =
        withConnection<std::vector<LdapEntry>>(servicePool_, true, [&](LdapConnection& c) {
            return c.search(config_.baseDn, config_.subtree, false, filter, attributes, 2);
        });
    if (!entries && entries.error() == ldapResult(LDAP_NO_SUCH_OBJECT)) {
        log_.error("base_dn not found or not readable by the service account",
                   {{"directory", config_.id}, {"base_dn", config_.baseDn}});
        return std::vector<LdapEntry>{};
    }
    return entries;
}

Result<void> LdapDirectory::bindAs(const std::string& dn, const std::string& password) {
    return withConnection<void>(bindPool_, false,
                                [&](LdapConnection& c) { return c.simpleBind(dn, password); });
}

void LdapDirectory::logFailure(std::string_view what, const error_code& ec) const {
    log_.error(what, {{"directory", config_.id}, {"uri", config_.uri}, {"error", ec.message()}});
}

Result<core::Identity> LdapDirectory::verifyNow(const std::string& login,
                                                const std::string& password) {
    auto entries = findUser(login, searchAttributes_);
    if (!entries) {
        logFailure("directory unavailable", entries.error());
        return toCoreError(entries.error()) == core::Errc::timeout ? core::Errc::timeout
                                                                   : core::Errc::unavailable;
    }
    if (entries->size() != 1) {
        // Spend a bind anyway (as a DN that cannot exist) so that "no such account" answers in
        // the time "wrong password" takes.
        (void)bindAs("cn=sesame-no-such-entry," + config_.baseDn, password);
        log_.info("login refused", {{"directory", config_.id},
                                    {"login", login},
                                    {"reason", entries->empty() ? "no entry" : "several entries"}});
        return core::Errc::invalid_credentials;
    }
    const auto& entry = entries->front();
    auto bound = bindAs(entry.dn, password);
    if (!bound) {
        auto code = toCoreError(bound.error());
        if (code == core::Errc::invalid_credentials) {
            log_.info("login refused",
                      {{"directory", config_.id}, {"login", login}, {"reason", "wrong password"}});
            return code;
        }
        logFailure("user bind failed", bound.error());
        return code == core::Errc::timeout ? code : core::Errc::unavailable;
    }
    auto id = config_.mapping.map(entry.attributes);
    if (id.login.empty()) id.login = login;
    if (id.subject.empty()) id.subject = entry.dn;
    id.directory = config_.id;
    id.authMethod = "password";
    id.assurance = config_.assurance;
    id.authTime = clock_->nowSeconds();
    log_.info("login verified", {{"directory", config_.id}, {"login", login}, {"dn", entry.dn}});
    return id;
}

Result<core::DirectoryLookup> LdapDirectory::lookupNow(const std::string& login) {
    // Every user attribute ("*"), plus the mapped ones by name in case they are operational
    // (entryUUID, memberOf with the memberof overlay).
    std::vector<std::string> attributes{"*"};
    for (const auto& a : searchAttributes_)
        if (a != "1.1") attributes.push_back(a);
    auto entries = findUser(login, attributes);
    if (!entries) {
        logFailure("directory unavailable", entries.error());
        auto code = toCoreError(entries.error());
        if (entries.error() == make_error_code(Errc::service_bind_refused)) return entries.error();
        return code == core::Errc::timeout ? code : core::Errc::unavailable;
    }
    if (entries->empty()) return core::Errc::not_found;
    if (entries->size() > 1) return make_error_code(Errc::ambiguous_login);
    core::DirectoryLookup out;
    out.entryName = entries->front().dn;
    out.raw = entries->front().attributes;
    out.mapped = config_.mapping.map(out.raw);
    if (out.mapped.login.empty()) out.mapped.login = login;
    if (out.mapped.subject.empty()) out.mapped.subject = out.entryName;
    out.mapped.directory = config_.id;
    out.mapped.assurance = config_.assurance;
    return out;
}

Result<void> LdapDirectory::probeNow() {
    auto found = withConnection<std::vector<LdapEntry>>(servicePool_, true, [&](LdapConnection& c) {
        return c.search(config_.baseDn, false, true, "(objectClass=*)", {"1.1"}, 1);
    });
    if (found && !found->empty()) return {};
    if (found || found.error() == ldapResult(LDAP_NO_SUCH_OBJECT))
        return make_error_code(Errc::base_dn_not_found);
    if (found.error().category() == errorCategory()) return found.error();
    return toCoreError(found.error()) == core::Errc::timeout ? core::Errc::timeout
                                                             : core::Errc::unavailable;
}

asio::awaitable<Result<core::Identity>> LdapDirectory::verify(std::string login,
                                                              std::string password) {
    // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an *unauthenticated*
    // bind that many servers accept as success. It never reaches the directory.
    if (password.empty() || !acceptableLogin(login)) co_return core::Errc::invalid_credentials;
    // Named local, copies owned by the work: see connectors/local/local_directory.cpp verify().
    auto work = [this, user = login, secret = password] { return verifyNow(user, secret); };
    co_return co_await checks_.run<Result<core::Identity>>(std::move(work));
}

asio::awaitable<Result<core::DirectoryLookup>> LdapDirectory::lookup(std::string login) {
    if (!acceptableLogin(login)) co_return core::Errc::not_found;
    auto work = [this, user = login] { return lookupNow(user); };
    co_return co_await checks_.run<Result<core::DirectoryLookup>>(std::move(work));
}

asio::awaitable<Result<void>> LdapDirectory::probe() {
    co_return co_await checks_.run<Result<void>>([this] { return probeNow(); });
}

}  // namespace sesame::ldap
