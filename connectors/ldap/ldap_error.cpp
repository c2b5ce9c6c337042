#include "connectors/ldap/ldap_error.hpp"

#include <ldap.h>

namespace sesame::ldap {
namespace {

class ConnectorCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.ldap"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::ambiguous_login:
                return "several directory entries match this login: user_filter must select one";
            case Errc::service_bind_refused:
                return "the directory refused Sesame's service account (bind_dn, "
                       "bind_password_file)";
            case Errc::base_dn_not_found:
                return "base_dn does not exist or the service account cannot read it";
        }
        return "unknown sesame.ldap error";
    }
};

class ResultCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "libldap"; }
    std::string message(int ev) const override { return ldap_err2string(ev); }
};

}  // namespace

const boost::system::error_category& errorCategory() noexcept {
    static const ConnectorCategory category;
    return category;
}

const boost::system::error_category& ldapResultCategory() noexcept {
    static const ResultCategory category;
    return category;
}

bool serverGone(const error_code& ec) noexcept {
    return ec.category() == ldapResultCategory() &&
           (ec.value() == LDAP_SERVER_DOWN || ec.value() == LDAP_CONNECT_ERROR);
}

bool breaksConnection(const error_code& ec) noexcept {
    // Negative codes are client-side API errors (RFC 4511 result codes are >= 0): the session
    // state is unknown after them. A server that is shutting down says so with 51/52.
    return ec.category() == ldapResultCategory() &&
           (ec.value() < 0 || ec.value() == LDAP_UNAVAILABLE || ec.value() == LDAP_BUSY);
}

core::Errc toCoreError(const error_code& ec) noexcept {
    if (ec.category() == ldapResultCategory()) {
        switch (ec.value()) {
            case LDAP_TIMEOUT:
            case LDAP_TIMELIMIT_EXCEEDED:
                return core::Errc::timeout;
            case LDAP_INVALID_CREDENTIALS:
                return core::Errc::invalid_credentials;
            default:
                return core::Errc::unavailable;
        }
    }
    if (ec.category() == core::coreCategory()) return static_cast<core::Errc>(ec.value());
    return core::Errc::unavailable;
}

}  // namespace sesame::ldap
