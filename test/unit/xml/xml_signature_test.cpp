// Enveloped signatures: what Sesame signs verifies here and with the xmlsec1 command (an
// independent verifier), and every hostile variant of a signed message is refused.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"
#include "test/unit/xml/test_keys.hpp"

using namespace sesame::xml;
using sesame::xml::testing::replaceOnce;
using sesame::xml::testing::testKeys;

namespace {

constexpr const char* samlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr const char* dsNs = "http://www.w3.org/2000/09/xmldsig#";

const std::string assertionText =
    R"(<saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-12-07T22:00:00Z">)"
    R"(<saml:Issuer>https://idp.test</saml:Issuer>)"
    R"(<saml:Subject><saml:NameID>user@user.com.evil.com</saml:NameID></saml:Subject>)"
    R"(<saml:AttributeStatement><saml:Attribute Name="ENTPersonProfils">)"
    R"(<saml:AttributeValue>National_ELV</saml:AttributeValue></saml:Attribute>)"
    R"(</saml:AttributeStatement></saml:Assertion>)";

std::string responseWith(const std::string& assertions) {
    return R"(<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" )"
           R"(xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" )"
           R"(IssueInstant="2026-12-07T22:00:00Z" Destination="https://sp.test/acs">)"
           R"(<saml:Issuer>https://idp.test</saml:Issuer><samlp:Status><samlp:StatusCode )"
           R"(Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>)" +
           assertions + "</samlp:Response>";
}

XmlDocument parse(const std::string& text) {
    auto doc = XmlDocument::parse(text);
    REQUIRE(doc.has_value());
    return std::move(*doc);
}

XmlElement assertionOf(const XmlDocument& doc) {
    auto assertion = doc.root().child(samlNs, "Assertion");
    REQUIRE(assertion);
    return *assertion;
}

// The Response text with its Assertion signed by `key`.
std::string signedResponse(const SigningKey& key) {
    auto doc = parse(responseWith(assertionText));
    REQUIRE(signEnveloped(doc, assertionOf(doc), key).has_value());
    return doc.toString();
}

// The first element `<open...</close>` of a serialized document, as text.
std::string part(const std::string& text, const std::string& open, const std::string& close) {
    auto begin = text.find(open);
    auto end = text.find(close);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    return text.substr(begin, end + close.size() - begin);
}

std::string assertionPart(const std::string& text) {
    return part(text, "<saml:Assertion", "</saml:Assertion>");
}

std::string signaturePart(const std::string& text) {
    return part(text, "<ds:Signature", "</ds:Signature>");
}

std::vector<Certificate> trusted() {
    return {testKeys().idp.certificate()};
}

sesame::error_code verifyFirstAssertion(const std::string& text) {
    auto doc = parse(text);
    auto verified = verifyEnveloped(doc, assertionOf(doc), trusted());
    return verified ? sesame::error_code{} : verified.error();
}

// xmlsec1, the command-line tool of the library's authors: an independent check of a file.
sesame::testing::CommandResult xmlsec1(std::vector<std::string> args) {
    sesame::testing::TempDir logs("sesame-xmlsec1");
    return sesame::testing::runCommand(
        {"xmlsec1", std::move(args), {}, {}, logs.path(), "xmlsec1"});
}

bool xmlsec1Verifies(const std::string& text, const std::string& element) {
    sesame::testing::TempDir dir("sesame-xmlsec1");
    sesame::testing::writeFile(dir / "signed.xml", text);
    auto result = xmlsec1({"--verify", "--pubkey-cert-pem", testKeys().idpCertificateFile.string(),
                           "--id-attr:ID", element, (dir / "signed.xml").string()});
    return result.exitCode == 0;
}

// A message signed by xmlsec1 itself from a template: a signature the library finds valid, of a
// shape Sesame refuses.
std::string xmlsec1Signs(const std::string& templateText) {
    sesame::testing::TempDir dir("sesame-xmlsec1");
    sesame::testing::writeFile(dir / "template.xml", templateText);
    auto result =
        xmlsec1({"--sign", "--privkey-pem",
                 testKeys().idpKeyFile.string() + "," + testKeys().idpCertificateFile.string(),
                 "--id-attr:ID", std::string(samlNs) + ":Assertion", "--output",
                 (dir / "signed.xml").string(), (dir / "template.xml").string()});
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    return sesame::testing::readFile(dir / "signed.xml");
}

// An Assertion template whose signature has `signedInfo`'s content.
std::string assertionTemplate(const std::string& signedInfo) {
    std::string signature =
        std::string(
            R"(<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>)") +
        signedInfo + "</ds:SignedInfo><ds:SignatureValue/></ds:Signature>";
    return responseWith(replaceOnce(assertionText, "<saml:Issuer>https://idp.test</saml:Issuer>",
                                    "<saml:Issuer>https://idp.test</saml:Issuer>" + signature));
}

std::string signedInfo(const std::string& c14n, const std::string& method, const std::string& uri,
                       const std::string& transforms, const std::string& digest) {
    return R"(<ds:CanonicalizationMethod Algorithm=")" + c14n +
           R"("/><ds:SignatureMethod Algorithm=")" + method + R"("/><ds:Reference URI=")" + uri +
           R"("><ds:Transforms>)" + transforms + R"(</ds:Transforms><ds:DigestMethod Algorithm=")" +
           digest + R"("/><ds:DigestValue/></ds:Reference>)";
}

const std::string excC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
const std::string rsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const std::string sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
const std::string enveloped =
    R"(<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>)";
const std::string excTransform =
    R"(<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>)";

}  // namespace

TEST_CASE("a signed assertion verifies, its Signature right after its Issuer", "[unit][xml]") {
    auto text = signedResponse(testKeys().idp);
    auto doc = parse(text);
    auto assertion = assertionOf(doc);
    auto children = assertion.children();
    REQUIRE(children.size() == 4);
    CHECK(children[0].is(samlNs, "Issuer"));
    REQUIRE(children[1].is(dsNs, "Signature"));
    auto reference = children[1].descendant(dsNs, "Reference");
    REQUIRE(reference);
    CHECK(reference->attribute("URI") == "#_a1");
    auto certificate = children[1].descendant(dsNs, "X509Certificate");
    REQUIRE(certificate);
    CHECK(certificate->text() == testKeys().idp.certificateBase64Der());

    // Key rollover: metadata lists the next certificate next to the current one.
    auto verified = verifyEnveloped(doc, assertion,
                                    {testKeys().other.certificate(), testKeys().idp.certificate()});
    REQUIRE(verified.has_value());
    CHECK(verified->element == assertion);
    CHECK(verified->certificateIndex == 1);
    CHECK(verified->algorithm == SignatureAlgorithm::rsaSha256);
    CHECK(verified->element.descendant(samlNs, "NameID")->text() == "user@user.com.evil.com");
}

TEST_CASE("xmlsec1 --verify accepts what Sesame signs, and a tampered copy it refuses",
          "[unit][xml]") {
    auto version = xmlsec1({"--version"});
    REQUIRE(version.exitCode == 0);  // the xmlsec1 command is installed (scripts/install-deps.sh)
    auto text = signedResponse(testKeys().idp);
    CHECK(xmlsec1Verifies(text, std::string(samlNs) + ":Assertion"));
    CHECK_FALSE(xmlsec1Verifies(replaceOnce(text, "National_ELV", "National_ENS"),
                                std::string(samlNs) + ":Assertion"));

    // The Response signed over its signed Assertion (SAML core §5.4.x), with SHA-512.
    auto doc = parse(text);
    REQUIRE(signEnveloped(doc, doc.root(), testKeys().idp, SignatureAlgorithm::rsaSha512));
    auto both = doc.toString();
    CHECK(xmlsec1Verifies(both, "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
    auto reparsed = parse(both);
    CHECK(verifyEnveloped(reparsed, reparsed.root(), trusted()).has_value());
    CHECK(verifyEnveloped(reparsed, assertionOf(reparsed), trusted()).has_value());
    CHECK(reparsed.root().children()[1].is(dsNs, "Signature"));
}

TEST_CASE("an element without Issuer gets its signature first; one without an ID is refused",
          "[unit][xml]") {
    auto doc =
        parse(R"(<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="_m1" )"
              R"(entityID="https://idp.test"><md:IDPSSODescriptor/></md:EntityDescriptor>)");
    REQUIRE(signEnveloped(doc, doc.root(), testKeys().idp));
    CHECK(doc.root().children().front().is(dsNs, "Signature"));
    CHECK(verifyEnveloped(doc, doc.root(), trusted()).has_value());
    CHECK(signEnveloped(doc, doc.root(), testKeys().idp).error() == Errc::signature_refused);

    for (const char* bad : {R"(<r/>)", R"(<r ID=""/>)", R"(<r ID="a'b"/>)", R"(<r ID="1a"/>)"}) {
        auto unsigned_ = parse(bad);
        CHECK(signEnveloped(unsigned_, unsigned_.root(), testKeys().idp).error() ==
              Errc::missing_id);
        CHECK(verifyEnveloped(unsigned_, unsigned_.root(), trusted()).error() == Errc::missing_id);
    }
}

TEST_CASE("a tampered value or a wrong key is refused; the message's own KeyInfo is never used",
          "[unit][xml]") {
    auto text = signedResponse(testKeys().idp);
    CHECK(verifyFirstAssertion(replaceOnce(text, "user@user.com.evil.com", "admin@user.com")) ==
          Errc::signature_invalid);
    CHECK(verifyFirstAssertion(replaceOnce(text, R"(Name="ENTPersonProfils")",
                                           R"(Name="isAdmin")")) == Errc::signature_invalid);
    // Signed by another key that the message carries in its KeyInfo: a valid signature by
    // xmlsec's own standards, but not by a trusted certificate.
    auto forged = signedResponse(testKeys().other);
    CHECK(forged.find(testKeys().other.certificateBase64Der()) != std::string::npos);
    CHECK(verifyFirstAssertion(forged) == Errc::signature_invalid);
    // And no trusted certificate at all (an SP whose metadata has no signing key).
    auto doc = parse(text);
    CHECK(verifyEnveloped(doc, assertionOf(doc), {}).error() == Errc::signature_invalid);
}

TEST_CASE("a comment inside a signed value keeps the signature valid and the value whole",
          "[unit][xml]") {
    // The 2018 attack (CVE-2017-11427 and siblings): exclusive c14n without comments drops the
    // comment, so the signature holds; a reader of the first text node would see
    // "user@user.com". XmlElement::text() reads the whole value.
    auto text = replaceOnce(signedResponse(testKeys().idp), "user@user.com.evil.com",
                            "user@user.com<!---->.evil.com");
    auto doc = parse(text);
    auto verified = verifyEnveloped(doc, assertionOf(doc), trusted());
    REQUIRE(verified.has_value());
    auto nameId = verified->element.descendant(samlNs, "NameID");
    REQUIRE(nameId);
    CHECK(nameId->text() == "user@user.com.evil.com");
    // Same with a processing instruction and CDATA around the cut.
    auto other = parse("<r>user@user.com<?x y?><![CDATA[.evil]]>.com</r>");
    CHECK(other.root().text() == "user@user.com.evil.com");
}

TEST_CASE("signature wrapping: the signed element moved or copied is refused", "[unit][xml]") {
    const auto response = signedResponse(testKeys().idp);
    const auto original = assertionPart(response);
    const auto signature = signaturePart(original);
    auto withoutSignature = replaceOnce(original, signature, "");
    auto evil = replaceOnce(withoutSignature, "user@user.com.evil.com", "admin@idp.test");

    SECTION("an unsigned copy with the same ID before the signed original") {
        auto text = responseWith(evil + original);
        CHECK(verifyFirstAssertion(text) == Errc::signature_missing);
        auto doc = parse(text);
        auto second = doc.root().children()[3];
        REQUIRE(second.is(samlNs, "Assertion"));
        CHECK(verifyEnveloped(doc, second, trusted()).error() == Errc::duplicate_id);
    }
    SECTION("the original's signature copied into a forged element of the same ID") {
        auto forged = replaceOnce(evil, "<saml:Issuer>https://idp.test</saml:Issuer>",
                                  "<saml:Issuer>https://idp.test</saml:Issuer>" + signature);
        // The original hidden inside the forged one, inside its Subject, or after it.
        auto hiddenInside = replaceOnce(forged, "</saml:Subject>", original + "</saml:Subject>");
        CHECK(verifyFirstAssertion(responseWith(hiddenInside)) == Errc::duplicate_id);
        CHECK(verifyFirstAssertion(responseWith(forged + original)) == Errc::duplicate_id);
        // Alone, it is simply a forgery.
        CHECK(verifyFirstAssertion(responseWith(forged)) == Errc::signature_invalid);
        // An xml:id elsewhere claiming the same name is no better than an ID.
        auto xmlId = replaceOnce(original, "<saml:Subject>", R"(<saml:Subject xml:id="_a1">)");
        CHECK(verifyFirstAssertion(responseWith(xmlId)) == Errc::duplicate_id);
    }
    SECTION("a forged element of another ID whose copied signature references the original") {
        auto forged = replaceOnce(replaceOnce(evil, R"(ID="_a1")", R"(ID="_evil")"),
                                  "<saml:Issuer>https://idp.test</saml:Issuer>",
                                  "<saml:Issuer>https://idp.test</saml:Issuer>" + signature);
        CHECK(verifyFirstAssertion(responseWith(forged + original)) == Errc::signature_refused);
        CHECK(verifyFirstAssertion(responseWith(
                  replaceOnce(forged, "</saml:Subject>", original + "</saml:Subject>"))) ==
              Errc::signature_refused);
    }
    SECTION("a second, unsigned assertion is not covered by the first one's signature") {
        auto second = replaceOnce(evil, R"(ID="_a1")", R"(ID="_a2")");
        auto doc = parse(responseWith(original + second));
        auto assertions = doc.root().children();
        REQUIRE(assertions.size() == 4);
        CHECK(verifyEnveloped(doc, assertions[2], trusted()).has_value());
        CHECK(verifyEnveloped(doc, assertions[3], trusted()).error() == Errc::signature_missing);
    }
    SECTION("a signature that is not a direct child of the element") {
        auto moved = replaceOnce(replaceOnce(original, signature, ""), "<saml:Subject>",
                                 "<saml:Subject>" + signature);
        CHECK(verifyFirstAssertion(responseWith(moved)) == Errc::signature_missing);
    }
    SECTION("two signatures, or an Object inside the signature") {
        auto twice = replaceOnce(original, signature, signature + signature);
        CHECK(verifyFirstAssertion(responseWith(twice)) == Errc::signature_refused);
        auto object = replaceOnce(original, "</ds:Signature>",
                                  "<ds:Object>" + evil + "</ds:Object></ds:Signature>");
        CHECK(verifyFirstAssertion(responseWith(object)) == Errc::signature_refused);
    }
}

TEST_CASE("signatures xmlsec accepts but Sesame refuses: transforms, algorithms, references",
          "[unit][xml]") {
    const std::string transforms = enveloped + excTransform;
    SECTION("the reference shape Sesame writes, signed by xmlsec1, is accepted") {
        auto text = xmlsec1Signs(
            assertionTemplate(signedInfo(excC14n, rsaSha256, "#_a1", transforms, sha256)));
        CHECK(verifyFirstAssertion(text) == sesame::error_code{});
    }
    SECTION("OpenSAML's shape (Shibboleth): InclusiveNamespaces, SHA-512, is accepted") {
        auto inclusive =
            enveloped +
            R"(<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">)"
            R"(<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" )"
            R"(PrefixList="xs"/></ds:Transform>)";
        auto text = xmlsec1Signs(assertionTemplate(
            signedInfo(excC14n, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "#_a1",
                       inclusive, "http://www.w3.org/2001/04/xmlenc#sha512")));
        CHECK(verifyFirstAssertion(text) == sesame::error_code{});
    }
    SECTION("an XPath transform that leaves the NameID unsigned") {
        auto xpath = R"(<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">)"
                     R"(<ds:XPath xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">)"
                     R"(not(ancestor-or-self::saml:NameID))"
                     R"(</ds:XPath></ds:Transform>)";
        auto text = xmlsec1Signs(assertionTemplate(
            signedInfo(excC14n, rsaSha256, "#_a1", enveloped + xpath + excTransform, sha256)));
        auto tampered = replaceOnce(text, "user@user.com.evil.com", "admin@idp.test");
        CHECK(xmlsec1Verifies(tampered, std::string(samlNs) + ":Assertion"));  // the danger
        CHECK(verifyFirstAssertion(tampered) == Errc::signature_refused);
    }
    SECTION("c14n with comments, inclusive c14n, RSA-SHA1, SHA-1 digest, a whole-document URI") {
        const std::string withComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
        const std::string inclusive = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
        for (const auto& info : {
                 signedInfo(excC14n, rsaSha256, "#_a1",
                            enveloped + R"(<ds:Transform Algorithm=")" + withComments + R"("/>)",
                            sha256),
                 signedInfo(inclusive, rsaSha256, "#_a1", transforms, sha256),
                 signedInfo(withComments, rsaSha256, "#_a1", transforms, sha256),
                 signedInfo(excC14n, "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "#_a1",
                            transforms, sha256),
                 signedInfo(excC14n, rsaSha256, "#_a1", transforms,
                            "http://www.w3.org/2000/09/xmldsig#sha1"),
                 signedInfo(excC14n, rsaSha256, "", transforms, sha256),
             }) {
            auto text = xmlsec1Signs(assertionTemplate(info));
            INFO(info);
            CHECK(xmlsec1Verifies(text, std::string(samlNs) + ":Assertion"));
            CHECK(verifyFirstAssertion(text) == Errc::signature_refused);
        }
    }
}

TEST_CASE("a signed message with a DOCTYPE or entity declaration is refused before verification",
          "[unit][xml]") {
    auto text = signedResponse(testKeys().idp);
    auto withEntity = R"(<!DOCTYPE r [<!ENTITY e "user@user.com">]>)" + text;
    CHECK(XmlDocument::parse(withEntity).error() == Errc::forbidden_doctype);
}

TEST_CASE("parse bounds the depth of elements", "[unit][xml]") {
    auto nested = [](int depth) {
        std::string s;
        for (int i = 0; i < depth; ++i) s += "<a>";
        for (int i = 0; i < depth; ++i) s += "</a>";
        return s;
    };
    CHECK(XmlDocument::parse(nested(64)).has_value());
    CHECK(XmlDocument::parse(nested(65)).error() == Errc::too_deep);
    CHECK(XmlDocument::parse(nested(10), 1024, 10).has_value());
    CHECK(XmlDocument::parse(nested(11), 1024, 10).error() == Errc::too_deep);
    CHECK(XmlDocument::parse("<a><b/><c><d/></c><e/></a>", 1024, 3).has_value());
    CHECK(XmlDocument::parse("<a><b/><c><d><x/></d></c><e/></a>", 1024, 3).error() ==
          Errc::too_deep);
}

TEST_CASE("toString gives the document back as it was parsed", "[unit][xml]") {
    const std::string text = R"(<r xmlns="urn:x" a="1">  <b>é &amp; &lt;</b><!-- c --></r>)";
    CHECK(parse(text).toString() == text + "\n");
}

TEST_CASE("signEnvelopedText gives the bytes toString gives after signEnveloped", "[unit][xml]") {
    // What the IdP answers: a Response written by saml_writer, whatever its values hold, its
    // Assertion, the Response or both signed (RSA PKCS#1 v1.5 is deterministic: two signatures
    // of the same text are the same bytes).
    namespace saml = sesame::xml::saml;
    const auto& key = testKeys().idp;
    const std::vector<std::string> values = {"jdupont",      "d'Artagnan", "say \"hi\" <b>&amp;",
                                             "x\ty\nz\rw",   "",           "Élève ☃ \xff",
                                             "]]> <!-- -->", " ID=\"_a1\""};
    for (const auto& value : values) {
        saml::BearerTerms terms;
        terms.idpEntityId = "https://idp.test/saml/metadata";
        terms.spEntityId = "https://sp.test/metadata";
        terms.acsUrl = "https://sp.test/acs?a=1&b=" + value;
        terms.inResponseTo = "_request";
        terms.nameId = {value, std::string(saml::nameid::transient), "", ""};
        terms.authn = {1'796'550'000, "_session", std::nullopt, ""};
        terms.attributes = {
            {"displayName", std::string(saml::attrname::basic), value, {value, ""}}};
        terms.now = 1'796'550'000;
        const auto response = saml::bearerResponse(terms);
        const std::string text = saml::writeResponse(response);
        INFO(text);
        for (int parts : {1, 2, 3}) {  // the Assertion, the Response, both
            auto expected = parse(text);
            auto spliced = parse(text);
            // The document built as the text is written, instead of parsed from it: the same
            // document for libxml2's writer and for xmlsec's canonicalisation.
            auto built = saml::writeResponseDocument(response);
            REQUIRE(built.text == text);
            CHECK(built.document.toString() == expected.toString());
            std::string out = text, outBuilt = text;
            if (parts != 2) {
                REQUIRE(signEnveloped(expected, assertionOf(expected), key).has_value());
                auto s = signEnvelopedText(spliced, out, assertionOf(spliced), key);
                REQUIRE(s.has_value());
                out = *s;
                s = signEnvelopedText(built.document, outBuilt, assertionOf(built.document), key);
                REQUIRE(s.has_value());
                outBuilt = *s;
            }
            if (parts != 1) {
                REQUIRE(signEnveloped(expected, expected.root(), key).has_value());
                auto s = signEnvelopedText(spliced, out, spliced.root(), key);
                REQUIRE(s.has_value());
                out = *s;
                s = signEnvelopedText(built.document, outBuilt, built.document.root(), key);
                REQUIRE(s.has_value());
                outBuilt = *s;
            }
            CHECK(out == expected.toString());
            CHECK(out == spliced.toString());
            CHECK(outBuilt == out);
            CHECK(built.document.toString() == out);
        }
    }
}

TEST_CASE("signEnvelopedText writes the whole document when the text does not show the place",
          "[unit][xml]") {
    const auto& key = testKeys().idp;
    // Not as libxml2 writes it (white space before the Issuer, an apostrophe as a reference):
    // still the same bytes as toString, through toString.
    const std::string text =
        replaceOnce(replaceOnce(responseWith(assertionText), "<saml:Issuer>", "\n <saml:Issuer>"),
                    "https://idp.test<", "https://idp.test/&apos;<");
    auto expected = parse(text);
    auto spliced = parse(text);
    REQUIRE(signEnveloped(expected, expected.root(), key).has_value());
    auto out = signEnvelopedText(spliced, text, spliced.root(), key);
    REQUIRE(out.has_value());
    CHECK(*out == expected.toString());
    // Errors are signEnveloped's: an element already signed is refused.
    CHECK(signEnvelopedText(spliced, *out, spliced.root(), key).error() == Errc::signature_refused);
}
