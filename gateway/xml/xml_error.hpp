#pragma once
// Errors of the libxml2 wrapper, as an enum + category (gateway/core/result.hpp pattern).
#include "gateway/core/result.hpp"

namespace sesame::xml {

enum class Errc {
    ok = 0,
    too_large,          // the document is over the caller's size limit
    forbidden_doctype,  // a DOCTYPE, DTD or entity declaration: always refused
    malformed,          // not well-formed XML (or not UTF-8)
    not_found,          // an expected element is absent
    too_deep,           // elements nested deeper than the caller's bound
    // Keys and certificates (xml_keys.hpp).
    key_unreadable,    // a key or certificate file is missing, unreadable or not PEM of that kind
    key_mismatch,      // the certificate is not the private key's, or the key is not RSA
    key_write_failed,  // a generated key or certificate could not be written
    bad_certificate,   // a certificate (PEM or base64 DER) that does not parse
    // Signatures (xml_signature.hpp, redirect_binding.hpp).
    missing_id,         // the element to sign or verify has no ID attribute that is an NCName
    duplicate_id,       // another element of the document carries the same ID
    signature_missing,  // no signature where one is required
    signature_refused,  // a signature whose shape, place, reference, transform or algorithm is
                        // refused
    signature_invalid,  // the signature does not verify with any trusted certificate
    signing_failed,     // xmlsec or OpenSSL could not sign (a broken key or library)
    // Bindings (redirect_binding.hpp).
    bad_base64,   // not base64
    bad_deflate,  // not a raw DEFLATE stream
    bad_query,    // no SAML message, a parameter repeated, or an unknown SAMLEncoding
};

const boost::system::error_category& xmlCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), xmlCategory()};
}

}  // namespace sesame::xml

template <>
struct boost::system::is_error_code_enum<sesame::xml::Errc> : std::true_type {};
