#pragma once
// Errors of the LDAP connector. Two categories:
//  - ldapResultCategory(): libldap's own result codes (LDAP_SERVER_DOWN, LDAP_INVALID_CREDENTIALS,
//    ...), as the wrapper of ldap_connection.hpp returns them, with ldap_err2string messages;
//  - ldap::Errc: what only this connector can say (lookup of an ambiguous login, a refused
//    service account), for `sesame connector test` and the probe.
// verify() returns core::Errc only (the CredentialConnector contract); toCoreError() says how.
#include "gateway/core/result.hpp"

namespace sesame::ldap {

enum class Errc {
    ok = 0,
    ambiguous_login,       // several entries match the user filter
    service_bind_refused,  // bind_dn / bind_password_file refused by the directory
    base_dn_not_found,     // base_dn does not exist (or the service account cannot see it)
};

const boost::system::error_category& errorCategory() noexcept;
const boost::system::error_category& ldapResultCategory() noexcept;

inline error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), errorCategory()};
}
inline error_code ldapResult(int rc) noexcept {
    return {rc, ldapResultCategory()};
}

// The connection is unusable after this error (the server went away or a call was cut off):
// it is dropped, never put back in the pool.
bool breaksConnection(const error_code& ec) noexcept;
// The server is gone (LDAP_SERVER_DOWN, LDAP_CONNECT_ERROR): a pooled connection that fails so
// was probably closed while idle (directory restarted) and one fresh connection is worth a try.
bool serverGone(const error_code& ec) noexcept;
// What a caller of CredentialConnector sees: unavailable, timeout or (for an error of the user
// bind) invalid_credentials.
core::Errc toCoreError(const error_code& ec) noexcept;

}  // namespace sesame::ldap

template <>
struct boost::system::is_error_code_enum<sesame::ldap::Errc> : std::true_type {};
