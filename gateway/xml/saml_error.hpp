#pragma once
// Why a SAML message was refused, as an enum + category (gateway/core/result.hpp pattern), and the
// one mapping of every reason to the status a SAML reply carries (core §3.2.2.2).
#include <string_view>

#include "gateway/core/result.hpp"

namespace sesame::xml::saml {

enum class Errc {
    ok = 0,
    unexpected_root,            // not the message expected here (name or namespace)
    version_too_low,            // Version below 2.0
    version_too_high,           // Version above 2.0 (or 2.x with x > 0)
    missing_attribute,          // ID, Version, IssueInstant, a StatusCode Value...
    invalid_id,                 // ID not an xs:ID (NCName), or too long to remember
    invalid_date_time,          // not a UTC xs:dateTime ("2026-12-01T08:54:00Z", ".123" allowed)
    invalid_boolean,            // not xs:boolean (true, false, 1, 0)
    invalid_index,              // not xs:unsignedShort
    invalid_comparison,         // RequestedAuthnContext Comparison not exact/minimum/maximum/better
    missing_element,            // Issuer, NameID, Status... absent
    duplicate_element,          // an element that may appear once appears again
    misplaced_element,          // children out of the schema's sequence order
    unexpected_element,         // an element the schema does not allow there
    empty_value,                // Issuer, NameID, SessionIndex, AuthnContextClassRef... empty
    invalid_issuer,             // Issuer Format other than entity (profiles §4.1.4.1, §4.4.4)
    conflicting_acs,            // ACS index given with ACS URL or ProtocolBinding (core §3.4.1)
    unsupported_identifier,     // BaseID: no identifier this codec knows
    encrypted_identifier,       // EncryptedID / EncryptedAssertion: decrypt, then read again
    unsupported_authn_context,  // AuthnContextDeclRef: only class references are compared
    invalid_status,             // a top-level StatusCode outside core §3.2.2.2's four
    soap_fault,                 // a SOAP Fault where a SAML message was expected
    invalid_soap,               // not a SOAP 1.1 envelope with one message in its Body
};

const boost::system::error_category& samlCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), samlCategory()};
}

// The top-level and second-level codes (saml_names.hpp, saml::status) of the reply to a refused
// message; subCode is empty when the spec names none.
struct StatusCodes {
    std::string_view code;
    std::string_view subCode;
};
// For a saml::Errc or an xml::Errc (a document that does not parse is the requester's fault);
// anything else is the responder's (Responder, no second level).
StatusCodes statusFor(const boost::system::error_code& error);

}  // namespace sesame::xml::saml

template <>
struct boost::system::is_error_code_enum<sesame::xml::saml::Errc> : std::true_type {};
