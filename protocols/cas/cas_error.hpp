#pragma once
// CAS protocol errors, one place: the enum, its category, and the wire code of each value
// (CAS Protocol 3.0 §2.5.3 for validation, §2.7.3 for /proxy).
#include <string_view>

#include "gateway/core/result.hpp"

namespace sesame::cas {

enum class Errc {
    ok = 0,
    invalid_request,             // INVALID_REQUEST: a required parameter missing or repeated
    invalid_ticket_spec,         // INVALID_TICKET_SPEC: e.g. a proxy ticket at /serviceValidate
    unauthorized_service_proxy,  // UNAUTHORIZED_SERVICE_PROXY: the service may not proxy
    invalid_proxy_callback,      // INVALID_PROXY_CALLBACK: pgtUrl not https, not allowed, failed
    invalid_ticket,              // INVALID_TICKET: unknown, expired, or not from a fresh login
    invalid_service,             // INVALID_SERVICE: the ticket was issued for another service
    internal_error,              // INTERNAL_ERROR: e.g. the session store cannot be reached
    unauthorized_service,        // UNAUTHORIZED_SERVICE: /proxy targetService not allowed
    bad_pgt,                     // BAD_PGT: /proxy with an unknown or ended PGT (CAS 2.0)
    no_service,                  // not a wire code: resume() of a login without a service
};

const boost::system::error_category& casCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), casCategory()};
}

// The code written in <cas:authenticationFailure code="..."> / <cas:proxyFailure code="...">.
std::string_view wireCode(Errc e);

}  // namespace sesame::cas

template <>
struct boost::system::is_error_code_enum<sesame::cas::Errc> : std::true_type {};
