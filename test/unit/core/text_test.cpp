#include <catch2/catch.hpp>

#include "gateway/core/text.hpp"

using namespace sesame::core;

TEST_CASE("UTC instants are written as xsd:dateTime", "[unit][core]") {
    CHECK(formatUtcInstant(0) == "1970-01-01T00:00:00Z");
    CHECK(formatUtcInstant(1796120045) == "2026-12-01T10:14:05Z");
    CHECK(formatUtcInstant(951782400) == "2000-02-29T00:00:00Z");  // a leap day
    CHECK(formatUtcInstant(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("markup is escaped, URLs and forms round-trip", "[unit][core]") {
    CHECK(escapeHtml("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    // Runs between special characters, at either end, or the whole text, are kept as they are.
    CHECK(escapeHtml("") == "");
    CHECK(escapeHtml("PHNhbWxwOlJlc3BvbnNl+/=") == "PHNhbWxwOlJlc3BvbnNl+/=");
    CHECK(escapeHtml("&ab<<cd\"") == "&amp;ab&lt;&lt;cd&quot;");
    CHECK(escapeHtml("é'x'é") == "é&#39;x&#39;é");
    CHECK(urlDecode(urlEncode("https://é.test/?a=1&b=2 3")) == "https://é.test/?a=1&b=2 3");
    CHECK_FALSE(urlDecode("%zz").has_value());
    auto form = parseForm("a=1&b=x+y&c=%C3%A9");
    REQUIRE(form.has_value());
    CHECK(*form == Parameters{{"a", "1"}, {"b", "x y"}, {"c", "é"}});
    CHECK(appendQuery("https://s/?x=1", "ticket", "ST-1") == "https://s/?x=1&ticket=ST-1");
    CHECK(appendQuery("https://s/", "ticket", "ST-1") == "https://s/?ticket=ST-1");
    CHECK(isValidUtf8("é"));
    CHECK_FALSE(isValidUtf8("\xc3"));
    CHECK_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(isValidUtf8("\xed\xa0\x80"));      // a surrogate
    CHECK_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    auto euro = utf8SequenceAt("a\xe2\x82\xac", 1);
    REQUIRE(euro);
    CHECK(euro->length == 3);
    CHECK(euro->codePoint == 0x20AC);
    CHECK_FALSE(utf8SequenceAt("a\xe2\x82", 1));  // cut short
}
