#include "connectors/ldap/ldap_connection.hpp"

#include <ldap.h>

#include "connectors/ldap/ldap_error.hpp"
#include "connectors/mapping/attribute_mapping.hpp"

namespace sesame::ldap {
namespace {

timeval toTimeval(std::chrono::milliseconds d) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(d.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
    return tv;
}

struct MessageFree {
    void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};

bool isTls(const LdapDirectoryConfig& c) {
    return c.startTls || c.uri.rfind("ldaps://", 0) == 0 || c.uri.rfind("LDAPS://", 0) == 0;
}

// Attributes that hold secrets are never read into Sesame, whatever the directory's ACLs allow.
bool isSecretAttribute(std::string name) {
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return name.find("password") != std::string::npos || name.find("pwd") != std::string::npos;
}

Result<void> setOption(LDAP* ld, int option, const void* value) {
    int rc = ldap_set_option(ld, option, value);
    if (rc != LDAP_OPT_SUCCESS) return ldapResult(rc == -1 ? LDAP_PARAM_ERROR : rc);
    return {};
}

}  // namespace

Result<std::unique_ptr<LdapConnection>> LdapConnection::open(const LdapDirectoryConfig& config) {
    LDAP* raw = nullptr;
    int rc = ldap_initialize(&raw, config.uri.c_str());
    if (rc != LDAP_SUCCESS) return ldapResult(rc);
    std::unique_ptr<LdapConnection> conn(new LdapConnection(raw, config.operationTimeout));

    int version = LDAP_VERSION3;
    timeval network = toTimeval(config.networkTimeout);
    timeval operation = toTimeval(config.operationTimeout);
    for (auto r : {setOption(raw, LDAP_OPT_PROTOCOL_VERSION, &version),
                   setOption(raw, LDAP_OPT_REFERRALS, LDAP_OPT_OFF),
                   setOption(raw, LDAP_OPT_RESTART, LDAP_OPT_OFF),
                   // connect(2) bounded by the network timeout; every synchronous call
                   // (bind, StartTLS, search) by the operation timeout.
                   setOption(raw, LDAP_OPT_NETWORK_TIMEOUT, &network),
                   setOption(raw, LDAP_OPT_TIMEOUT, &operation)})
        if (!r) return r.error();

    if (isTls(config)) {
        int demand = LDAP_OPT_X_TLS_DEMAND;  // RFC 4513 §3.1.3: the server's identity is checked
        if (!config.caFile.empty())
            if (auto r = setOption(raw, LDAP_OPT_X_TLS_CACERTFILE, config.caFile.c_str()); !r)
                return r.error();
        if (auto r = setOption(raw, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand); !r) return r.error();
        int isServer = 0;  // a TLS context of this handle's own, with the options above
        if (auto r = setOption(raw, LDAP_OPT_X_TLS_NEWCTX, &isServer); !r) return r.error();
    }
    if (config.startTls) {
        rc = ldap_start_tls_s(raw, nullptr, nullptr);
        if (rc != LDAP_SUCCESS) return ldapResult(rc);
    }
    return conn;
}

LdapConnection::~LdapConnection() {
    if (ld_) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

Result<void> LdapConnection::simpleBind(const std::string& dn, std::string_view password) {
    berval cred{};
    cred.bv_val = const_cast<char*>(password.data());
    cred.bv_len = password.size();
    int rc = ldap_sasl_bind_s(ld_, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) return ldapResult(rc);
    return {};
}

Result<std::vector<LdapEntry>> LdapConnection::search(const std::string& base, bool subtree,
                                                      bool baseOnly, const std::string& filter,
                                                      const std::vector<std::string>& attributes,
                                                      int sizeLimit) {
    std::vector<char*> names;
    for (const auto& a : attributes) names.push_back(const_cast<char*>(a.c_str()));
    names.push_back(nullptr);
    timeval timeout = toTimeval(timeout_);
    int scope = baseOnly ? LDAP_SCOPE_BASE : subtree ? LDAP_SCOPE_SUBTREE : LDAP_SCOPE_ONELEVEL;
    LDAPMessage* raw = nullptr;
    int rc = ldap_search_ext_s(ld_, base.c_str(), scope, filter.c_str(),
                               attributes.empty() ? nullptr : names.data(), 0, nullptr, nullptr,
                               &timeout, sizeLimit, &raw);
    std::unique_ptr<LDAPMessage, MessageFree> result(raw);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) return ldapResult(rc);

    std::vector<LdapEntry> entries;
    for (LDAPMessage* e = ldap_first_entry(ld_, raw); e; e = ldap_next_entry(ld_, e)) {
        LdapEntry entry;
        if (char* dn = ldap_get_dn(ld_, e)) {
            entry.dn = dn;
            ldap_memfree(dn);
        }
        BerElement* ber = nullptr;
        for (char* attr = ldap_first_attribute(ld_, e, &ber); attr;
             attr = ldap_next_attribute(ld_, e, ber)) {
            std::string name = attr;
            ldap_memfree(attr);
            if (isSecretAttribute(name)) continue;
            berval** values = ldap_get_values_len(ld_, e, name.c_str());
            std::vector<std::string> out;
            for (int i = 0; values && values[i]; ++i)
                out.push_back(
                    mapping::printableValue(std::string(values[i]->bv_val, values[i]->bv_len)));
            ldap_value_free_len(values);
            entry.attributes.set(name, std::move(out));
        }
        if (ber) ber_free(ber, 0);
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::string LdapConnection::diagnostic() const {
    char* message = nullptr;
    ldap_get_option(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message);
    std::string out = message ? message : "";
    ldap_memfree(message);
    return out;
}

std::unique_ptr<LdapConnection> ConnectionPool::take() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
}

void ConnectionPool::give(std::unique_ptr<LdapConnection> connection) {
    std::unique_lock lock(mutex_);
    if (idle_.size() < capacity_) {
        idle_.push_back(std::move(connection));
        return;
    }
    lock.unlock();  // closing (an unbind) happens outside the lock
}

void ConnectionPool::clear() {
    std::vector<std::unique_ptr<LdapConnection>> closing;
    {
        std::lock_guard lock(mutex_);
        closing.swap(idle_);
    }
}

std::size_t ConnectionPool::idle() const {
    std::lock_guard lock(mutex_);
    return idle_.size();
}

}  // namespace sesame::ldap
