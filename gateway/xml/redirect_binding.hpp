#pragma once
// The SAML 2.0 HTTP-Redirect binding (SAML bindings §3.4: DEFLATE, base64, URL query, and the
// query signature of §3.4.4.1) and the decoding half of the HTTP-POST binding (§3.5.4: base64
// of the whole message), for both SAML sides. What arrives here comes before anybody is
// authenticated: every size is bounded before it is allocated, and a message is only ever
// parsed by XmlDocument::parse (no DTD, no entity, bounded depth).
//
// Receiving is two steps, because the key to check a signature with depends on who sent the
// message, which only the message says: decodeRedirect (or decodePost), then, once the
// caller knows the sender from the message's Issuer, verifyRedirect (or verifyEnveloped).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/http_message.hpp"
#include "gateway/core/result.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_error.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace sesame::xml {

// Which parameter carries the message: SAMLRequest (AuthnRequest, LogoutRequest) or
// SAMLResponse (Response, LogoutResponse).
enum class SamlMessageKind { request, response };
std::string_view parameterName(SamlMessageKind kind);

// Raw DEFLATE (RFC 1951, no zlib or gzip header), as §3.4.4.1 requires.
std::string deflateRaw(std::string_view data);
// Inflates at most `maxOutput` bytes: more is too_large, and no buffer is ever larger than
// maxOutput (a deflate bomb of 10 MB of zeros is 10 kB on the wire). Errors: too_large,
// bad_deflate (not raw DEFLATE, truncated, or bytes after the end of the stream).
Result<std::string> inflateRaw(std::string_view compressed, std::size_t maxOutput);

// The query (without '?') that carries `xml` over the Redirect binding:
// "SAMLRequest=...[&RelayState=...]", URL-encoded. The caller appends it to the SP's endpoint
// with '?' (or '&' when the endpoint already has a query). A message sent this way must not
// carry an XML signature (§3.4.4.1): sign the query instead.
std::string encodeRedirect(SamlMessageKind kind, std::string_view xml,
                           std::optional<std::string_view> relayState);
// The same, signed: "...&SigAlg=...&Signature=...", the signature over the exact octets
// "SAMLRequest=...&RelayState=...&SigAlg=..." this query carries.
Result<std::string> encodeSignedRedirect(
    SamlMessageKind kind, std::string_view xml, std::optional<std::string_view> relayState,
    const SigningKey& key, SignatureAlgorithm algorithm = SignatureAlgorithm::rsaSha256);

struct ReceivedRedirect {
    SamlMessageKind kind;
    XmlDocument document;
    std::optional<std::string> relayState;  // decoded; to be returned untouched
    // The query signature, as it arrived; empty when the message is unsigned.
    std::string signedOctets;  // "SAMLRequest=<raw>[&RelayState=<raw>]&SigAlg=<raw>"
    std::string sigAlg;        // decoded SigAlg URI
    std::string signature;     // decoded signature bytes
    bool isSigned() const { return !signedOctets.empty(); }
};

// Decodes a received Redirect-binding query (HttpRequest::rawTarget after its '?'): exactly
// one SAMLRequest or SAMLResponse, at most one RelayState, SigAlg and Signature (both or
// neither), SAMLEncoding absent or DEFLATE; base64, then inflate bounded by maxXmlBytes, then
// XmlDocument::parse. The values of the signed octets are kept as they arrived, never
// re-encoded (§3.4.4.1: re-encoding would change them). Unknown parameters are ignored.
// Errors: bad_query, bad_base64, bad_deflate, too_large, and XmlDocument::parse's.
Result<ReceivedRedirect> decodeRedirect(std::string_view rawQuery,
                                        std::size_t maxXmlBytes = XmlDocument::defaultMaxBytes);

// Verifies the query signature of a decoded message with one of `trusted`; gives the index of
// the certificate that verified it. Errors: signature_missing (unsigned), signature_refused
// (SigAlg not one of SignatureAlgorithm), signature_invalid.
Result<std::size_t> verifyRedirect(const ReceivedRedirect& message,
                                   const std::vector<Certificate>& trusted);

struct ReceivedPost {
    SamlMessageKind kind;
    XmlDocument document;                   // its signature: verifyEnveloped
    std::optional<std::string> relayState;  // to be returned untouched
};

// Decodes an HTTP-POST binding form (HttpRequest::form, already URL-decoded): exactly one
// SAMLRequest or SAMLResponse (base64 of the message, line breaks tolerated), at most one
// RelayState. Errors: bad_query, bad_base64, too_large, and XmlDocument::parse's.
Result<ReceivedPost> decodePost(const core::Parameters& form,
                                std::size_t maxXmlBytes = XmlDocument::defaultMaxBytes);

}  // namespace sesame::xml
