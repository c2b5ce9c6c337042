#pragma once
// Enveloped XML signatures (XML Signature 1.1 as profiled by SAML core §5), through xmlsec1 and
// its OpenSSL back end: the signatures Sesame writes on its assertions, responses, requests and
// metadata, and the verification of what SPs (and, for the SP connector, IdPs) send.
//
// Verification is strict by construction, since every classic SAML signature attack works by
// making the verifier check one element while the application reads another (signature
// wrapping) or by letting the message choose how it is checked:
// - the signature is the one *direct child* ds:Signature of the element the caller will use,
//   and its single Reference is "#" + that element's ID (SAML core §5.4.2);
// - that ID is registered for that element only, for the time of the check (never by
//   scanning the document for ID attributes), and an ID carried by any other element of the
//   document (ID, Id, id or xml:id) refuses the message;
// - transforms: enveloped-signature and exclusive c14n without comments only (SAML core
//   §5.4.3-4); c14n of SignedInfo: exclusive without comments; digests SHA-256/384/512;
//   signature RSA-SHA256/384/512 (xml_keys.hpp says why not SHA-1); no XPath, XSLT, Object or
//   Manifest, no URI but the same-document "#ID";
// - the key comes from the caller's trusted certificates (metadata), never from the message's
//   KeyInfo.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_error.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace sesame::xml {

// Signs `target` (an element of `document` with an ID attribute) with an enveloped signature:
// exclusive c14n, SHA-256 digest, `algorithm`, Reference URI "#<ID>", KeyInfo carrying the
// key's certificate. ds:Signature is inserted right after the target's saml:Issuer (SAML core
// §5.4.1, and the schemas of Assertion, RequestAbstractType and StatusResponseType), or as its
// first child when it has no Issuer (metadata's EntityDescriptor). To sign a Response and its
// Assertion, sign the Assertion first: the Response's digest then covers its signature.
// Errors: missing_id, duplicate_id, signature_refused (already signed), signing_failed.
Result<void> signEnveloped(XmlDocument& document, XmlElement target, const SigningKey& key,
                           SignatureAlgorithm algorithm = SignatureAlgorithm::rsaSha256);

// signEnveloped, returning the signed document's text: what document.toString() returns after
// it, made from `text`, the text the document was parsed from, by inserting the text of the new
// ds:Signature alone (writing a 6 kB Response again costs more than the signature's 2 kB).
// `text` must be written as toString writes it (saml_writer's messages are, saml_markup.hpp),
// but for the final newline, and describe the document as it is (the signatures added so far
// included); when the place of the signature cannot be found in it the document is written
// whole (the same bytes). Errors: signEnveloped's.
Result<std::string> signEnvelopedText(XmlDocument& document, std::string_view text,
                                      XmlElement target, const SigningKey& key,
                                      SignatureAlgorithm algorithm = SignatureAlgorithm::rsaSha256);

// What a successful verification proved: use `element`, and nothing found elsewhere in the
// document, as the signed content.
struct VerifiedElement {
    XmlElement element;            // the signed element (the `expected` the caller gave)
    std::size_t certificateIndex;  // the trusted certificate that verified it
    SignatureAlgorithm algorithm;
};

// Verifies the enveloped signature of `expected` (the element, found by the caller at the place
// its protocol expects it, that the caller will use) with one of `trusted`.
// The document's ID table is used for the time of the call (then left as it was): one
// document is not verified from two threads at once.
// Errors: missing_id, duplicate_id, signature_missing (no direct-child ds:Signature),
// signature_refused (two signatures, another reference, a transform or algorithm not allowed),
// signature_invalid (no trusted certificate verifies it, or the content was changed).
Result<VerifiedElement> verifyEnveloped(const XmlDocument& document, XmlElement expected,
                                        const std::vector<Certificate>& trusted);

}  // namespace sesame::xml
