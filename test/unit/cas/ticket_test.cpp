#include <catch2/catch.hpp>
#include <string>

#include "protocols/cas/ticket.hpp"

using namespace sesame;
using namespace sesame::cas;

namespace {
TicketGrant teacherGrant() {
    TicketGrant g;
    g.service = "https://ent.example.org/cas?x=1&y=\"2\"";
    g.serviceId = "ent";
    g.sessionId = "S1";
    g.user = "prof.herriot";
    g.attributes.set("displayName", {"Camille Durand"});
    // Escapes, non-ASCII and a control character: the reader must undo what serialize did.
    g.attributes.set("sn", {"D\u00e9sir\u00e9e \"la\" \\ \t\x01", "\xf0\x9f\x8e\x93"});
    g.attributes.set("ENTPersonProfils", {"National_ENS", "National_DOC"});
    g.freshLogin = true;
    g.authTime = 1796120045;
    g.authMethod = "password";
    g.issuedAt = 1796120083;
    g.proxies = {"https://proxy2.example.org/cb", "https://proxy1.example.org/cb"};
    return g;
}

void checkSame(const TicketGrant& a, const TicketGrant& b) {
    CHECK(a.service == b.service);
    CHECK(a.serviceId == b.serviceId);
    CHECK(a.sessionId == b.sessionId);
    CHECK(a.user == b.user);
    CHECK(a.attributes == b.attributes);
    CHECK(a.freshLogin == b.freshLogin);
    CHECK(a.authTime == b.authTime);
    CHECK(a.authMethod == b.authMethod);
    CHECK(a.issuedAt == b.issuedAt);
    CHECK(a.proxies == b.proxies);
}
}  // namespace

TEST_CASE("a grant reads back as it was stored", "[unit][cas]") {
    auto g = teacherGrant();
    auto back = parseTicketGrant(serialize(g));
    REQUIRE(back.has_value());
    checkSame(*back, g);
}

TEST_CASE("a long escaped value, delivered by the parser in pieces, reads back whole",
          "[unit][cas]") {
    auto g = teacherGrant();
    std::string big;
    for (int i = 0; i < 3000; ++i) big += "\xc3\xa9\"\\";  // escapes all along: many parts
    g.attributes.set("description", {big});
    g.attributes.set(big, {"key with escapes"});
    auto back = parseTicketGrant(serialize(g));
    REQUIRE(back.has_value());
    checkSame(*back, g);
}

TEST_CASE("unknown members and members of another type are skipped", "[unit][cas]") {
    auto back = parseTicketGrant(
        R"({"future":{"a":[1,{"b":[true]}]},"service":"https://s/","user":"u",)"
        R"("attributes":{"mail":["a@b"],"odd":"not a list","mixed":["x",2,null,["y"]],"none":[]},)"
        R"("authTime":"soon","issuedAt":12,"freshLogin":1,"proxies":["p",3]})");
    REQUIRE(back.has_value());
    CHECK(back->service == "https://s/");
    CHECK(back->user == "u");
    CHECK(back->attributes.values("mail") == std::vector<std::string>{"a@b"});
    CHECK_FALSE(back->attributes.has("odd"));
    CHECK(back->attributes.values("mixed") == std::vector<std::string>{"x"});
    CHECK_FALSE(back->attributes.has("none"));
    CHECK(back->authTime == 0);
    CHECK(back->issuedAt == 12);
    CHECK_FALSE(back->freshLogin);
    CHECK(back->proxies == std::vector<std::string>{"p"});
}

TEST_CASE("text that is not a grant is refused", "[unit][cas]") {
    const std::string whole = serialize(teacherGrant());
    for (std::string bad :
         {std::string{}, std::string("[]"), std::string("\"ST\""), std::string("12"),
          std::string("null"), std::string("{}"), std::string(R"({"service":"s"})"),
          std::string(R"({"user":"u"})"), whole.substr(0, whole.size() - 1), whole + "x",
          whole + "{}", std::string(200, '[') + std::string(200, ']'),
          "{\"a\":" + std::string(100, '{') + std::string(100, '}') + "}"}) {
        INFO(bad.substr(0, 80));
        CHECK_FALSE(parseTicketGrant(bad).has_value());
    }
}
