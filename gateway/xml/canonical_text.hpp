#pragma once
// A document written directly in exclusive XML canonical form (XML-EXC-C14N 1.0 without comments:
// saml_markup.hpp's canonical mode), with what the signer needs to sign its elements without
// canonicalising a tree again (xml_signature.hpp, signCanonicalText).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sesame::xml {

// An element of the text that may be signed: its ID, its bytes text[begin, end) (its canonical
// form, also as the apex of its own canonicalisation), and where its enveloped ds:Signature goes
// (right after its saml:Issuer, SAML core §5.4.1).
struct CanonicalElement {
    std::string id;
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t signatureAt = 0;
};

struct CanonicalText {
    std::string text;
    // The elements to sign, innermost first (an Assertion before its Response: the Response's
    // digest covers the Assertion's signature).
    std::vector<CanonicalElement> elements;
    // Namespace declarations canonicalisation leaves out (declared, never visibly used: xmlns:xs,
    // which only xsi:type="xs:string" values name) and where they go in `text`, in order. They
    // are added to the text sent after signing: outside the canonical form, so outside every
    // digest, but there for readers that resolve the QName of a value.
    std::vector<std::pair<std::size_t, std::string>> leftOut;
};

}  // namespace sesame::xml
