// SAML bindings §3.4 (HTTP-Redirect) and §3.5 (HTTP-POST decoding): round trips, the query
// signature over the raw values in the spec's order, and hostile queries and forms.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gateway/core/text.hpp"
#include "gateway/xml/base64.hpp"
#include "gateway/xml/redirect_binding.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "test/unit/xml/test_keys.hpp"

using namespace sesame::xml;
using sesame::xml::testing::replaceOnce;
using sesame::xml::testing::testKeys;

namespace {

constexpr const char* samlpNs = "urn:oasis:names:tc:SAML:2.0:protocol";
const std::string authnRequest =
    R"(<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" )"
    R"(xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_q1" Version="2.0" )"
    R"(IssueInstant="2026-12-07T22:00:00Z" Destination="https://idp.test/saml/sso" )"
    R"(AssertionConsumerServiceURL="https://sp.test/acs">)"
    R"(<saml:Issuer>https://sp.test/metadata</saml:Issuer></samlp:AuthnRequest>)";
const std::string relayState = "https://sp.test/page?a=1&b=é +/";
const std::string sha256Uri = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

std::vector<Certificate> trusted() {
    return {testKeys().other.certificate(), testKeys().idp.certificate()};
}

sesame::error_code decodeError(const std::string& query) {
    auto decoded = decodeRedirect(query);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
}

sesame::error_code verifyError(const std::string& query) {
    auto decoded = decodeRedirect(query);
    REQUIRE(decoded.has_value());
    auto verified = verifyRedirect(*decoded, trusted());
    return verified ? sesame::error_code{} : verified.error();
}

std::string messageValue(const std::string& xml) {
    return sesame::core::urlEncode(base64Encode(deflateRaw(xml)));
}

}  // namespace

TEST_CASE("raw DEFLATE round trip, bounded", "[unit][xml]") {
    std::string text = authnRequest + std::string(5000, 'x');
    auto compressed = deflateRaw(text);
    CHECK(compressed.size() < text.size() / 4);
    CHECK(inflateRaw(compressed, text.size()).value() == text);
    CHECK(inflateRaw(compressed, text.size() - 1).error() == Errc::too_large);
    CHECK(inflateRaw(deflateRaw(""), 0).value().empty());
    CHECK(inflateRaw(compressed.substr(0, compressed.size() / 2), 1 << 20).error() ==
          Errc::bad_deflate);
    CHECK(inflateRaw(compressed + "x", 1 << 20).error() == Errc::bad_deflate);
    CHECK(inflateRaw("not deflate at all", 1 << 20).error() == Errc::bad_deflate);
    // A zlib stream (RFC 1950 header) is not what §3.4.4.1 says.
    CHECK(inflateRaw("\x78\x9c" + compressed, 1 << 20).error() == Errc::bad_deflate);
}

TEST_CASE("a deflate bomb stops at the bound", "[unit][xml]") {
    auto bomb = deflateRaw(std::string(10 * 1024 * 1024, '\0'));
    CHECK(bomb.size() < 20 * 1024);  // 10 MB of zeros: about 10 kB on the wire
    CHECK(inflateRaw(bomb, XmlDocument::defaultMaxBytes).error() == Errc::too_large);
    auto query = "SAMLRequest=" + sesame::core::urlEncode(base64Encode(bomb));
    CHECK(decodeError(query) == Errc::too_large);
}

TEST_CASE("a signed Redirect message round-trips and verifies with the right certificate",
          "[unit][xml]") {
    auto query =
        encodeSignedRedirect(SamlMessageKind::request, authnRequest, relayState, testKeys().idp);
    REQUIRE(query.has_value());
    CHECK(query->starts_with("SAMLRequest="));
    CHECK(query->find("&RelayState=") != std::string::npos);
    CHECK(
        query->find(
            "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=") !=
        std::string::npos);
    auto decoded = decodeRedirect(*query);
    REQUIRE(decoded.has_value());
    CHECK(decoded->kind == SamlMessageKind::request);
    CHECK(decoded->document.root().is(samlpNs, "AuthnRequest"));
    CHECK(decoded->document.root().attribute("ID") == "_q1");
    CHECK(decoded->relayState == relayState);
    CHECK(decoded->isSigned());
    CHECK(decoded->sigAlg == sha256Uri);
    CHECK(verifyRedirect(*decoded, trusted()).value() == 1);
    CHECK(verifyRedirect(*decoded, {testKeys().other.certificate()}).error() ==
          Errc::signature_invalid);

    // The query as a view into a larger buffer (a request target): nothing past its end is read.
    const std::string target = *query + "#fragment&more=1";
    auto viewed = decodeRedirect(std::string_view(target).substr(0, query->size()));
    REQUIRE(viewed.has_value());
    CHECK(verifyRedirect(*viewed, trusted()).value() == 1);

    auto response = encodeSignedRedirect(SamlMessageKind::response, authnRequest, std::nullopt,
                                         testKeys().idp, SignatureAlgorithm::rsaSha512);
    REQUIRE(response.has_value());
    auto decodedResponse = decodeRedirect(*response);
    REQUIRE(decodedResponse.has_value());
    CHECK(decodedResponse->kind == SamlMessageKind::response);
    CHECK_FALSE(decodedResponse->relayState.has_value());
    CHECK(verifyRedirect(*decodedResponse, trusted()).value() == 1);
}

TEST_CASE("an unsigned Redirect message decodes and says so", "[unit][xml]") {
    auto query = encodeRedirect(SamlMessageKind::response, authnRequest, std::nullopt);
    auto decoded = decodeRedirect(query);
    REQUIRE(decoded.has_value());
    CHECK_FALSE(decoded->isSigned());
    CHECK(verifyRedirect(*decoded, trusted()).error() == Errc::signature_missing);
}

TEST_CASE("the Redirect signature covers the raw values in the spec's order", "[unit][xml]") {
    const std::string message = messageValue(authnRequest);
    const std::string relay = sesame::core::urlEncode(relayState);
    const std::string sigAlg = sesame::core::urlEncode(sha256Uri);
    auto signOver = [](const std::string& octets) {
        auto signature = testKeys().idp.sign(SignatureAlgorithm::rsaSha256, octets);
        REQUIRE(signature.has_value());
        return sesame::core::urlEncode(base64Encode(*signature));
    };
    const std::string ordered =
        "SAMLRequest=" + message + "&RelayState=" + relay + "&SigAlg=" + sigAlg;

    SECTION("the parameters may come in any order in the URL") {
        auto signature = signOver(ordered);
        CHECK(verifyError("Signature=" + signature + "&SigAlg=" + sigAlg + "&RelayState=" + relay +
                          "&SAMLRequest=" + message + "&other=1") == sesame::error_code{});
    }
    SECTION("a signature over the parameters in another order is refused") {
        auto signature =
            signOver("RelayState=" + relay + "&SAMLRequest=" + message + "&SigAlg=" + sigAlg);
        CHECK(verifyError(ordered + "&Signature=" + signature) == Errc::signature_invalid);
        auto withoutRelay = signOver("SAMLRequest=" + message + "&SigAlg=" + sigAlg);
        CHECK(verifyError(ordered + "&Signature=" + withoutRelay) == Errc::signature_invalid);
    }
    SECTION("values are checked as they arrived, not re-encoded") {
        // A sender that encodes in lower case (%2f) signs its own octets: they verify as sent.
        std::string lower = replaceOnce(ordered, "%2F", "%2f");
        CHECK(verifyError(lower + "&Signature=" + signOver(lower)) == sesame::error_code{});
        // The same value re-encoded in upper case does not match what was signed.
        CHECK(verifyError(ordered + "&Signature=" + signOver(lower)) == Errc::signature_invalid);
    }
    SECTION("a changed RelayState or message is refused") {
        auto signature = signOver(ordered);
        CHECK(verifyError(replaceOnce(ordered, relay, "https%3A%2F%2Fevil.test%2F") +
                          "&Signature=" + signature) == Errc::signature_invalid);
        auto other =
            messageValue(replaceOnce(authnRequest, "https://sp.test/acs", "https://evil.test/acs"));
        CHECK(verifyError(replaceOnce(ordered, message, other) + "&Signature=" + signature) ==
              Errc::signature_invalid);
    }
    SECTION("an unknown SigAlg is refused, a SigAlg that is not the one used fails") {
        auto sha1 = sesame::core::urlEncode("http://www.w3.org/2000/09/xmldsig#rsa-sha1");
        auto sha1Octets = "SAMLRequest=" + message + "&RelayState=" + relay + "&SigAlg=" + sha1;
        CHECK(verifyError(sha1Octets + "&Signature=" + signOver(sha1Octets)) ==
              Errc::signature_refused);
        auto sha512 = sesame::core::urlEncode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha512");
        auto sha512Octets = "SAMLRequest=" + message + "&RelayState=" + relay + "&SigAlg=" + sha512;
        CHECK(verifyError(sha512Octets + "&Signature=" + signOver(sha512Octets)) ==
              Errc::signature_invalid);
        CHECK(verifyError("SAMLRequest=" + message + "&SigAlg=&Signature=" + signOver(ordered)) ==
              Errc::signature_refused);
    }
}

TEST_CASE("malformed Redirect queries are refused", "[unit][xml]") {
    const std::string message = messageValue(authnRequest);
    CHECK(decodeError("") == Errc::bad_query);
    CHECK(decodeError("RelayState=x") == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=" + message + "&SAMLRequest=" + message) == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=" + message + "&SAMLResponse=" + message) == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=" + message + "&RelayState=a&RelayState=b") == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=" + message + "&SigAlg=x") == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=" + message + "&Signature=AAAA") == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=" + message + "&SAMLEncoding=urn%3Aother") == Errc::bad_query);
    CHECK(decodeRedirect("SAMLRequest=" + message +
                         "&SAMLEncoding=urn%3Aoasis%3Anames%3Atc%3ASAML%3A2.0%3Abindings%3AURL-"
                         "Encoding%3ADEFLATE")
              .has_value());
    CHECK(decodeError("SAMLRequest=%zz") == Errc::bad_query);
    CHECK(decodeError("SAMLRequest=not*base64") == Errc::bad_base64);
    CHECK(decodeError("SAMLRequest=" + message + "&SigAlg=x&Signature=%21%21") == Errc::bad_base64);
    CHECK(decodeError("SAMLRequest=" + sesame::core::urlEncode(base64Encode(authnRequest))) ==
          Errc::bad_deflate);  // not deflated
    CHECK(decodeError("SAMLRequest=" + messageValue("<a><b></a>")) == Errc::malformed);
    CHECK(decodeError("SAMLRequest=" +
                      messageValue(
                          R"(<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>)")) ==
          Errc::forbidden_doctype);
}

TEST_CASE("HTTP-POST messages decode from base64, without deflate", "[unit][xml]") {
    auto doc = XmlDocument::parse(authnRequest);
    REQUIRE(doc.has_value());
    REQUIRE(signEnveloped(*doc, doc->root(), testKeys().idp));
    auto encoded = base64Encode(doc->toString());
    std::string wrapped;  // as some SPs send it, at 76 columns
    for (std::size_t i = 0; i < encoded.size(); i += 76) wrapped += encoded.substr(i, 76) + "\r\n";

    auto post = decodePost({{"SAMLRequest", wrapped}, {"RelayState", relayState}});
    REQUIRE(post.has_value());
    CHECK(post->kind == SamlMessageKind::request);
    CHECK(post->relayState == relayState);
    auto verified = verifyEnveloped(post->document, post->document.root(), trusted());
    REQUIRE(verified.has_value());
    CHECK(verified->certificateIndex == 1);

    auto response = decodePost({{"SAMLResponse", encoded}});
    REQUIRE(response.has_value());
    CHECK(response->kind == SamlMessageKind::response);
    CHECK_FALSE(response->relayState.has_value());

    CHECK(decodePost({}).error() == Errc::bad_query);
    CHECK(decodePost({{"SAMLRequest", encoded}, {"SAMLResponse", encoded}}).error() ==
          Errc::bad_query);
    CHECK(decodePost({{"SAMLRequest", encoded}, {"SAMLRequest", encoded}}).error() ==
          Errc::bad_query);
    CHECK(
        decodePost({{"SAMLRequest", encoded}, {"RelayState", "a"}, {"RelayState", "b"}}).error() ==
        Errc::bad_query);
    CHECK(decodePost({{"SAMLRequest", "%%%"}}).error() == Errc::bad_base64);
    CHECK(decodePost({{"SAMLRequest", base64Encode(deflateRaw(authnRequest))}}).error() ==
          Errc::malformed);
    CHECK(decodePost({{"SAMLRequest", base64Encode(std::string(300 * 1024, ' '))}}).error() ==
          Errc::too_large);
    CHECK(decodePost({{"SAMLRequest", encoded}}, 100).error() == Errc::too_large);
}
