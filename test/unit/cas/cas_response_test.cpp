#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "gateway/xml/xml_document.hpp"
#include "protocols/cas/cas_response.hpp"
#include "protocols/cas/ticket.hpp"

using namespace sesame;
using namespace sesame::cas;

TEST_CASE("every error maps to the spec's code, in one place", "[unit][cas]") {
    CHECK(wireCode(Errc::invalid_request) == "INVALID_REQUEST");
    CHECK(wireCode(Errc::invalid_ticket_spec) == "INVALID_TICKET_SPEC");
    CHECK(wireCode(Errc::unauthorized_service_proxy) == "UNAUTHORIZED_SERVICE_PROXY");
    CHECK(wireCode(Errc::invalid_proxy_callback) == "INVALID_PROXY_CALLBACK");
    CHECK(wireCode(Errc::invalid_ticket) == "INVALID_TICKET");
    CHECK(wireCode(Errc::invalid_service) == "INVALID_SERVICE");
    CHECK(wireCode(Errc::internal_error) == "INTERNAL_ERROR");
    CHECK(wireCode(Errc::unauthorized_service) == "UNAUTHORIZED_SERVICE");
    CHECK(wireCode(Errc::bad_pgt) == "BAD_PGT");
    error_code ec = Errc::invalid_ticket;
    CHECK(ec.category().name() == std::string("sesame.cas"));
}

TEST_CASE("a failure renders as the spec's XML and JSON", "[unit][cas]") {
    Failure f{Errc::invalid_ticket, "Ticket 'ST-1' not recognized"};
    std::string xmlText = renderFailure(f, Format::xml);
    CHECK(xmlText ==
          "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n"
          " <cas:authenticationFailure code=\"INVALID_TICKET\">Ticket &apos;ST-1&apos; not "
          "recognized</cas:authenticationFailure>\n"
          "</cas:serviceResponse>\n");
    auto v = boost::json::parse(renderFailure(f, Format::json));
    CHECK(v.at("serviceResponse").at("authenticationFailure").at("code").as_string() ==
          "INVALID_TICKET");
    CHECK(renderProxyFailure({Errc::bad_pgt, "x"}, Format::xml)
              .find("<cas:proxyFailure code=\"BAD_PGT\">") != std::string::npos);
}

TEST_CASE("a success renders user, attributes, PGT IOU and proxies in schema order",
          "[unit][cas]") {
    Authentication a;
    a.user = "jdoe";
    a.authTime = 0;
    a.attributes.set("affiliation", {"staff", "faculty"});
    a.proxyGrantingTicketIou = "PGTIOU-1";
    a.proxies = {"https://proxy2/pgtUrl", "https://proxy1/pgtUrl"};
    std::string out = renderSuccess(a, Format::xml);
    auto user = out.find("<cas:user>jdoe</cas:user>");
    auto attrs = out.find("<cas:attributes>");
    auto pgt = out.find("<cas:proxyGrantingTicket>PGTIOU-1</cas:proxyGrantingTicket>");
    auto proxies = out.find("<cas:proxies>");
    REQUIRE(user != std::string::npos);
    CHECK(user < attrs);
    CHECK(attrs < pgt);
    CHECK(pgt < proxies);
    CHECK(out.find("<cas:proxy>https://proxy2/pgtUrl</cas:proxy>") <
          out.find("<cas:proxy>https://proxy1/pgtUrl</cas:proxy>"));
    CHECK(out.find("<cas:authenticationDate>1970-01-01T00:00:00Z</cas:authenticationDate>") !=
          std::string::npos);
    CHECK(xml::XmlDocument::parse(out).has_value());

    auto json = boost::json::parse(renderSuccess(a, Format::json));
    auto& s = json.at("serviceResponse").at("authenticationSuccess");
    CHECK(s.at("proxyGrantingTicket").as_string() == "PGTIOU-1");
    CHECK(s.at("proxies").as_array().size() == 2);
    CHECK(s.at("attributes").at("affiliation").as_array().size() == 2);
}

TEST_CASE("CAS 1.0 lines cannot be forged by a line break in the user", "[unit][cas]") {
    Authentication a;
    a.user = "eve\nyes\nadmin";
    CHECK(renderCas1(&a) == "yes\neveyesadmin\n");
    CHECK(renderCas1(nullptr) == "no\n");
}

TEST_CASE("ticket grants round-trip through their stored JSON", "[unit][cas]") {
    TicketGrant g;
    g.service = "https://app/";
    g.serviceId = "demo";
    g.sessionId = "s";
    g.user = "u";
    g.attributes.set("a", {"1", "2"});
    g.freshLogin = true;
    g.authTime = 12;
    g.authMethod = "password";
    g.issuedAt = 34;
    g.proxies = {"https://p/"};
    auto back = parseTicketGrant(serialize(g));
    REQUIRE(back.has_value());
    CHECK(back->attributes == g.attributes);
    CHECK(back->proxies == g.proxies);
    CHECK(back->freshLogin);
    CHECK(back->issuedAt == 34);
    CHECK_FALSE(parseTicketGrant("not json").has_value());
    CHECK_FALSE(parseTicketGrant("{}").has_value());
}
