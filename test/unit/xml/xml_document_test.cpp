#include <catch2/catch.hpp>

#include "gateway/xml/saml_markup.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_text.hpp"

using sesame::xml::Errc;
using sesame::xml::XmlDocument;

namespace {
constexpr const char* soapNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char* samlpNs = "urn:oasis:names:tc:SAML:1.0:protocol";
}  // namespace

TEST_CASE("a SOAP envelope is parsed and elements are found by namespace", "[unit][xml]") {
    auto doc = XmlDocument::parse(
        R"(<?xml version="1.0" encoding="utf-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body><samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" RequestID="_42"><samlp:AssertionArtifact>ST-abc</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>)");
    REQUIRE(doc.has_value());
    auto root = doc->root();
    CHECK(root.is(soapNs, "Envelope"));
    auto request = root.descendant(samlpNs, "Request");
    REQUIRE(request);
    CHECK(request->attribute("RequestID") == "_42");
    CHECK_FALSE(request->attribute("Missing").has_value());
    auto artifact = request->child(samlpNs, "AssertionArtifact");
    REQUIRE(artifact);
    CHECK(artifact->text() == "ST-abc");
    CHECK(root.children().size() == 2);
}

TEST_CASE("lookup compares namespace URIs, not prefixes", "[unit][xml]") {
    auto doc = XmlDocument::parse(
        R"(<x:Envelope xmlns:x="http://schemas.xmlsoap.org/soap/envelope/"><x:Body><p:Request xmlns:p="urn:other"/></x:Body></x:Envelope>)");
    REQUIRE(doc.has_value());
    CHECK(doc->root().is(soapNs, "Envelope"));
    CHECK_FALSE(doc->root().descendant(samlpNs, "Request").has_value());
    CHECK(doc->root().descendant("urn:other", "Request").has_value());
}

TEST_CASE("billion laughs is refused, never expanded", "[unit][xml]") {
    std::string bomb = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">)";
    bomb += R"(<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">)";
    for (int i = 3; i <= 9; ++i) {
        std::string prev = "&lol" + std::to_string(i - 1) + ";";
        std::string rep;
        for (int k = 0; k < 10; ++k) rep += prev;
        bomb += "<!ENTITY lol" + std::to_string(i) + " \"" + rep + "\">";
    }
    bomb += "]><lolz>&lol9;</lolz>";
    auto doc = XmlDocument::parse(bomb);
    REQUIRE_FALSE(doc.has_value());
    CHECK(doc.error() == Errc::forbidden_doctype);
}

TEST_CASE("external entities and any DOCTYPE are refused", "[unit][xml]") {
    for (
        const char* hostile : {
            R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>)",
            R"(<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><r/>)",
            R"(<!DOCTYPE r><r/>)",
            R"(<r><!ENTITY x "y"></r>)",
        }) {
        auto doc = XmlDocument::parse(hostile);
        REQUIRE_FALSE(doc.has_value());
        CHECK(doc.error() == Errc::forbidden_doctype);
    }
}

TEST_CASE("an undeclared entity reference is malformed, not resolved", "[unit][xml]") {
    auto doc = XmlDocument::parse("<r>&xxe;</r>");
    REQUIRE_FALSE(doc.has_value());
    CHECK(doc.error() == Errc::malformed);
}

TEST_CASE("comments and CDATA are still accepted", "[unit][xml]") {
    auto doc = XmlDocument::parse("<r><!-- note --><![CDATA[a<b]]></r>");
    REQUIRE(doc.has_value());
    CHECK(doc->root().text() == "a<b");
}

TEST_CASE("malformed, empty and oversized input are errors", "[unit][xml]") {
    CHECK(XmlDocument::parse("").error() == Errc::malformed);
    CHECK(XmlDocument::parse("<a><b></a>").error() == Errc::malformed);
    CHECK(XmlDocument::parse("not xml").error() == Errc::malformed);
    std::string big = "<r>" + std::string(2000, 'x') + "</r>";
    CHECK(XmlDocument::parse(big, 1000).error() == Errc::too_large);
    CHECK(XmlDocument::parse(big, 4000).has_value());
}

TEST_CASE("deep nesting beyond libxml2's limit is refused", "[unit][xml]") {
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "<a>";
    for (int i = 0; i < 5000; ++i) deep += "</a>";
    CHECK_FALSE(XmlDocument::parse(deep, 1 << 20).has_value());
}

TEST_CASE("markup keeps white space a parser would change as character references", "[unit][xml]") {
    sesame::xml::saml::Markup markup;
    markup.start("r").attribute("a", "x\ty\nz\r<&").open().text("p\tq\nr\rs>").close("r");
    const std::string written = markup.take();
    CHECK(written == "<r a=\"x&#9;y&#10;z&#13;&lt;&amp;\">p\tq\nr&#13;s&gt;</r>");
    auto doc = XmlDocument::parse(written);
    REQUIRE(doc.has_value());
    CHECK(doc->root().attribute("a") == std::optional<std::string>("x\ty\nz\r<&"));
    CHECK(doc->root().text() == "p\tq\nr\rs>");
}

TEST_CASE("escape keeps every value inside well-formed XML", "[unit][xml]") {
    using sesame::xml::escape;
    CHECK(escape(R"(<script>"a"&'b'</script>)") ==
          "&lt;script&gt;&quot;a&quot;&amp;&apos;b&apos;&lt;/script&gt;");
    CHECK(escape(std::string("a\x01"
                             "b\x1f"
                             "c\td",
                             7)) == "abc\td");
    CHECK(escape("\xff") == "\xEF\xBF\xBD");
    // U+FFFF is UTF-8 but no XML Char: each of its bytes is replaced.
    CHECK(escape("\xEF\xBF\xBF") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(escape("Élève") == "Élève");
    // Whatever the input, the result parses back to text.
    std::string nasty = std::string("x\x00y<\x80z]]>&", 10);
    auto doc = XmlDocument::parse("<r>" + escape(nasty) + "</r>");
    REQUIRE(doc.has_value());
    CHECK(doc->root().text() == "xy<\xEF\xBF\xBDz]]>&");
}

TEST_CASE("isNcName accepts only names safe as element names", "[unit][xml]") {
    using sesame::xml::isNcName;
    CHECK(isNcName("ENTPersonProfils"));
    CHECK(isNcName("_a-b.c1"));
    CHECK(!isNcName(""));
    CHECK(!isNcName("1abc"));
    CHECK(!isNcName("a b"));
    CHECK(!isNcName("a:b"));
    CHECK(!isNcName("a<b"));
    CHECK(!isNcName("xmlns"));
}

TEST_CASE("markup is what libxml2 writes for the document it parses into", "[unit][xml]") {
    // The signer adds its signature to the written text rather than writing the parsed
    // document again (xml_signature.hpp): both must be the same bytes, whatever the values.
    const std::vector<std::string> values = {"plain",
                                             "d'Artagnan",
                                             "say \"hi\"",
                                             "Élève ☃ 😀",
                                             "a<b>c&d",
                                             "x\ty\nz\rw",
                                             "",
                                             "]]>",
                                             "a\xff"
                                             "b",
                                             std::string("nul\0 \x01\x1f\x7f", 9),
                                             "\xEF\xBF\xBF",
                                             "&amp;"};
    for (const auto& v : values) {
        sesame::xml::saml::Markup markup;
        markup.start("r").attribute("a", v).open().element("t", v).start("e").open();
        markup.close("e").close("r");
        const std::string written = markup.take();
        auto doc = XmlDocument::parse(written);
        REQUIRE(doc.has_value());
        CHECK(doc->toString() == written + "\n");
        CHECK(doc->root().attribute("a") == doc->root().children().front().text());
    }
}
