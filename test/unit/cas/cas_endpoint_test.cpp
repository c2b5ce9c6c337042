#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "gateway/core/text.hpp"
#include "gateway/xml/xml_document.hpp"
#include "test/unit/cas/cas_test_support.hpp"

using namespace sesame;
using namespace sesame::cas;
using namespace sesame::cas::test;

namespace {
constexpr std::string_view casNs = "http://www.yale.edu/tp/cas";
const std::string app = "https://app.example.org/home";

xml::XmlDocument parseXml(const std::string& text) {
    auto doc = xml::XmlDocument::parse(text);
    REQUIRE(doc.has_value());
    return std::move(*doc);
}

// The failure code of a CAS XML reply, or "" on success.
std::string failureCode(const core::HttpResponse& r) {
    auto doc = parseXml(r.body);
    auto failure = doc.root().child(casNs, "authenticationFailure");
    if (!failure) failure = doc.root().child(casNs, "proxyFailure");
    return failure ? failure->attribute("code").value_or("?") : "";
}

std::string userOf(const core::HttpResponse& r) {
    auto doc = parseXml(r.body);
    auto success = doc.root().child(casNs, "authenticationSuccess");
    REQUIRE(success.has_value());
    return success->child(casNs, "user")->text();
}

core::Parameters validation(const std::string& service, const std::string& ticket) {
    return {{"service", service}, {"ticket", ticket}};
}
}  // namespace

TEST_CASE("tickets carry their prefix and 256 random bits in the CAS alphabet", "[unit][cas]") {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        for (std::string prefix : {"ST", "PT", "PGT", "PGTIOU"}) {
            std::string t = newTicketId(prefix);
            REQUIRE(t.starts_with(prefix + "-"));
            std::string body = t.substr(prefix.size() + 1);
            REQUIRE(body.size() == ticketRandomLength);  // 43 × log2(62) > 256 bits >= 128
            // CAS 3.0 §3.7 and mod_auth_cas: A-Z a-z 0-9 only (also a subset of base64url).
            for (char c : body) REQUIRE(std::isalnum(static_cast<unsigned char>(c)));
            REQUIRE(seen.insert(t).second);
        }
    }
}

TEST_CASE("/login asks for authentication with the flow of a registered service", "[unit][cas]") {
    CasFixture f;
    auto flow = f.flowFor(app);
    CHECK(flow.protocol == "cas");
    CHECK(flow.serviceId == "demo");
    CHECK(flow.service == app);
    CHECK_FALSE(flow.forceAuthentication);
    CHECK_FALSE(flow.passive);
    CHECK(core::findParameter(flow.params, "method") == "GET");

    SECTION("gateway=true is passive") {
        CHECK(f.flowFor(app, {{"gateway", "true"}}).passive);
    }
    SECTION("renew wins over gateway (§2.1.1)") {
        auto both = f.flowFor(app, {{"renew", "true"}, {"gateway", "true"}});
        CHECK(both.forceAuthentication);
        CHECK_FALSE(both.passive);
    }
    SECTION("method=POST is remembered") {
        CHECK(core::findParameter(f.flowFor(app, {{"method", "POST"}}).params, "method") == "POST");
    }
}

TEST_CASE("/login without a service is a generic login", "[unit][cas]") {
    CasFixture f;
    auto reply = f.handle(CasFixture::request("/cas/login", {{"gateway", "true"}}));
    REQUIRE(std::holds_alternative<core::NeedsAuthentication>(reply));
    auto flow = std::get<core::NeedsAuthentication>(reply).flow;
    CHECK(flow.service.empty());
    CHECK_FALSE(flow.passive);  // gateway without service: as if absent (§2.1.1)
    auto resumed = run(f.io, f.endpoint->resume(flow, f.session, f.release(), true));
    REQUIRE_FALSE(resumed.has_value());
    CHECK(resumed.error() == Errc::no_service);
}

TEST_CASE("/login refuses unknown services and malformed requests without redirecting",
          "[unit][cas]") {
    CasFixture f;
    auto check = [&](core::Parameters q, std::string key) {
        auto reply = f.handle(CasFixture::request("/cas/login", q));
        REQUIRE(std::holds_alternative<core::UserFacingError>(reply));
        CHECK(std::get<core::UserFacingError>(reply).messageKey == key);
        CHECK(std::get<core::UserFacingError>(reply).status == 400);
    };
    check({{"service", "https://evil.example.com/"}}, "error.service_unknown");
    check({{"service", "https://app.example.org.evil.com/"}}, "error.service_unknown");
    check({{"service", app}, {"service", "https://evil.example.com/"}}, "error.invalid_request");
    check({{"service", app}, {"renew", "true"}, {"renew", "true"}}, "error.invalid_request");
    check({{"service", app}, {"method", "HEADER"}}, "error.invalid_request");
}

TEST_CASE("resume redirects to the service with a stored ticket and records the visit",
          "[unit][cas]") {
    CasFixture f;
    auto flow = f.flowFor("https://app.example.org/home?lang=fr");
    auto reply = run(f.io, f.endpoint->resume(flow, f.session, f.release(), true));
    REQUIRE(reply.has_value());
    CHECK(reply->status == 302);
    CHECK(reply->authenticationPage);
    auto location = *core::findParameter(reply->headers, "Location");
    REQUIRE(location.starts_with("https://app.example.org/home?lang=fr&ticket=ST-"));
    std::string ticket = location.substr(location.find("ticket=") + 7);
    auto stored = f.store.raw(cas::serviceTickets, ticket);
    REQUIRE(stored.has_value());
    auto grant = parseTicketGrant(*stored);
    REQUIRE(grant.has_value());
    CHECK(grant->sessionId == "session-1");
    CHECK(grant->user == "prof.herriot");
    CHECK(grant->freshLogin);
    auto& visits = f.store.visitsBySession["session-1"];
    REQUIRE(visits.size() == 1);
    CHECK(visits[0].sessionIndex == ticket);
    CHECK(visits[0].logoutUrl == "https://app.example.org/slo");
    CHECK(f.metrics.ticketsIssued.value({"ST"}) == 1);
}

TEST_CASE("resume with method=POST answers a self-submitting form under a strict CSP",
          "[unit][cas]") {
    CasFixture f;
    auto flow = f.flowFor(app, {{"method", "POST"}});
    auto reply = run(f.io, f.endpoint->resume(flow, f.session, f.release(), true));
    REQUIRE(reply.has_value());
    CHECK(reply->status == 200);
    CHECK(reply->body.find("action=\"https://app.example.org/home\"") != std::string::npos);
    CHECK(reply->body.find("name=\"ticket\" value=\"ST-") != std::string::npos);
    CHECK(reply->body.find("<button type=\"submit\">") != std::string::npos);
    auto csp = core::findParameter(reply->headers, "Content-Security-Policy");
    REQUIRE(csp.has_value());
    CHECK(csp->find("form-action https://app.example.org;") != std::string::npos);
    // The hash of "document.forms[0].submit();" (openssl dgst -sha256 -binary | base64).
    CHECK(csp->find("script-src 'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='") !=
          std::string::npos);
    CHECK(reply->body.find("<script>document.forms[0].submit();</script>") != std::string::npos);
    CHECK(csp->find("'unsafe-inline'") == std::string::npos);
}

TEST_CASE("gateway without a session goes back to the service without a ticket", "[unit][cas]") {
    CasFixture f;
    auto flow = f.flowFor(app, {{"gateway", "true"}});
    auto r = f.endpoint->resumeUnauthenticated(flow);
    CHECK(r.status == 302);
    CHECK(core::findParameter(r.headers, "Location") == app);
}

TEST_CASE("a service ticket validates once, at its service", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    auto first = f.get("/cas/serviceValidate", validation(app, ticket));
    CHECK(first.status == 200);
    CHECK(userOf(first) == "prof.herriot");
    auto second = f.get("/cas/serviceValidate", validation(app, ticket));
    CHECK(failureCode(second) == "INVALID_TICKET");
    CHECK(f.metrics.ticketsValidated.value({"ST", "success"}) == 1);
    CHECK(f.metrics.ticketsValidated.value({"ST", "INVALID_TICKET"}) == 1);
}

TEST_CASE("a ticket presented for another service is refused and consumed", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    auto wrong = f.get("/cas/serviceValidate", validation("https://app.example.org/other", ticket));
    CHECK(failureCode(wrong) == "INVALID_SERVICE");
    CHECK(failureCode(f.get("/cas/serviceValidate", validation(app, ticket))) == "INVALID_TICKET");
}

TEST_CASE("renew=true accepts only tickets from a fresh login", "[unit][cas]") {
    CasFixture f;
    auto q = validation(app, f.issue(app, /*freshLogin=*/false));
    q.emplace_back("renew", "true");
    CHECK(failureCode(f.get("/cas/serviceValidate", q)) == "INVALID_TICKET");
    auto fresh = validation(app, f.issue(app, true));
    fresh.emplace_back("renew", "true");
    CHECK(userOf(f.get("/cas/serviceValidate", fresh)) == "prof.herriot");
}

TEST_CASE("every validation error has the spec's code", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    CHECK(failureCode(f.get("/cas/serviceValidate", {{"service", app}})) == "INVALID_REQUEST");
    CHECK(failureCode(f.get("/cas/serviceValidate", {{"ticket", ticket}})) == "INVALID_REQUEST");
    CHECK(failureCode(f.get("/cas/serviceValidate",
                            {{"service", app}, {"ticket", ticket}, {"ticket", ticket}})) ==
          "INVALID_REQUEST");
    auto q = validation(app, ticket);
    q.emplace_back("format", "YAML");
    CHECK(failureCode(f.get("/cas/serviceValidate", q)) == "INVALID_REQUEST");
    CHECK(failureCode(f.get("/cas/serviceValidate", validation(app, "ST-unknown"))) ==
          "INVALID_TICKET");
    CHECK(failureCode(f.get("/cas/serviceValidate", validation(app, "TGT-abc"))) ==
          "INVALID_TICKET");
    CHECK(failureCode(f.get("/cas/serviceValidate",
                            validation(app, "ST-" + std::string(300, 'a')))) == "INVALID_TICKET");
    // The ticket survived all the malformed requests above and still validates once.
    CHECK(userOf(f.get("/cas/p3/serviceValidate", validation(app, ticket))) == "prof.herriot");
}

TEST_CASE("an expired service ticket is refused", "[unit][cas]") {
    CasFixture f;
    f.config.serviceTicketLifetime = std::chrono::seconds(30);
    f.rebuild();
    std::string ticket = f.issue(app);
    f.clock.advance(31);
    CHECK(failureCode(f.get("/cas/serviceValidate", validation(app, ticket))) == "INVALID_TICKET");
}

TEST_CASE("a store outage is INTERNAL_ERROR with 503", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    f.store.down = true;
    auto r = f.get("/cas/serviceValidate", validation(app, ticket));
    CHECK(r.status == 503);
    CHECK(failureCode(r) == "INTERNAL_ERROR");
    auto v1 = f.get("/cas/validate", validation(app, ticket));
    CHECK(v1.status == 503);
    CHECK(v1.body == "no\n");
    f.store.down = false;
    CHECK(userOf(f.get("/cas/serviceValidate", validation(app, ticket))) == "prof.herriot");
}

TEST_CASE("/validate speaks CAS 1.0", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    auto yes = f.get("/cas/validate", validation(app, ticket));
    CHECK(yes.body == "yes\nprof.herriot\n");
    CHECK(f.get("/cas/validate", validation(app, ticket)).body == "no\n");
}

TEST_CASE("attributes: CAS 3 elements, one per value, also in /serviceValidate by default",
          "[unit][cas]") {
    CasFixture f;
    auto doc = parseXml(f.get("/cas/serviceValidate", validation(app, f.issue(app))).body);
    auto attrs = doc.root().descendant(casNs, "attributes");
    REQUIRE(attrs.has_value());
    std::vector<std::string> names, structures;
    for (auto& e : attrs->children()) {
        names.push_back(e.localName());
        if (e.localName() == "ENTPersonStructRattach") structures.push_back(e.text());
    }
    REQUIRE(names.size() >= 3);
    CHECK(names[0] == "authenticationDate");
    CHECK(names[1] == "longTermAuthenticationRequestTokenUsed");
    CHECK(names[2] == "isFromNewLogin");
    CHECK(attrs->child(casNs, "isFromNewLogin")->text() == "true");
    CHECK(attrs->child(casNs, "authenticationDate")->text() == "2023-11-14T22:13:20Z");
    CHECK(attrs->child(casNs, "displayName")->text() == "Édouard Herriot");
    CHECK(structures == std::vector<std::string>{"0690001A", "0690002B"});

    SECTION("release_attributes_v2: false keeps them to /p3/") {
        f.config.releaseAttributesV2 = false;
        f.rebuild();
        auto v2 = parseXml(f.get("/cas/serviceValidate", validation(app, f.issue(app))).body);
        CHECK_FALSE(v2.root().descendant(casNs, "attributes").has_value());
        auto p3 = parseXml(f.get("/cas/p3/serviceValidate", validation(app, f.issue(app))).body);
        CHECK(p3.root().descendant(casNs, "attributes").has_value());
    }
}

TEST_CASE("format=JSON follows the spec's JSON", "[unit][cas]") {
    CasFixture f;
    auto q = validation(app, f.issue(app));
    q.emplace_back("format", "JSON");
    auto r = f.get("/cas/p3/serviceValidate", q);
    CHECK(r.status == 200);
    CHECK(core::findParameter(r.headers, "Content-Type")->starts_with("application/json"));
    auto v = boost::json::parse(r.body);
    auto& success = v.at("serviceResponse").at("authenticationSuccess");
    CHECK(success.at("user").as_string() == "prof.herriot");
    CHECK(success.at("attributes").at("ENTPersonProfils").as_string() == "National_ENS");
    CHECK(success.at("attributes").at("ENTPersonStructRattach").as_array().size() == 2);
    CHECK(success.at("attributes").at("isFromNewLogin").as_bool());

    auto again = f.get("/cas/p3/serviceValidate", q);
    auto failure = boost::json::parse(again.body).at("serviceResponse").at("authenticationFailure");
    CHECK(failure.at("code").as_string() == "INVALID_TICKET");
    CHECK(!failure.at("description").as_string().empty());
}

TEST_CASE("fifty concurrent validations of one ticket give exactly one success", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    auto request = CasFixture::request("/cas/serviceValidate", validation(app, ticket));
    std::vector<std::future<core::EndpointReply>> replies;
    for (int i = 0; i < 50; ++i)
        replies.push_back(
            asio::co_spawn(f.io, f.endpoint->handle(request, std::nullopt), asio::use_future));
    f.io.restart();
    f.io.run();
    int successes = 0, invalid = 0;
    for (auto& reply : replies) {
        auto r = std::get<core::HttpResponse>(reply.get());
        std::string code = failureCode(r);
        if (code.empty()) ++successes;
        if (code == "INVALID_TICKET") ++invalid;
    }
    CHECK(successes == 1);
    CHECK(invalid == 49);
}

TEST_CASE("proxy flow: PGT through the callback, PT, proxyValidate with its chain", "[unit][cas]") {
    CasFixture f;
    const std::string pgtUrl = "https://app.example.org/proxy?client=1";
    auto q = validation(app, f.issue(app));
    q.emplace_back("pgtUrl", pgtUrl);
    auto validated = f.get("/cas/serviceValidate", q);
    REQUIRE(failureCode(validated).empty());

    // The callback got pgtIou and pgtId, its own parameter kept (§2.5.4).
    REQUIRE(f.backChannel.sent.size() == 1);
    auto& callback = f.backChannel.sent[0];
    CHECK(callback.method == "GET");
    REQUIRE(callback.url.starts_with("https://app.example.org/proxy?client=1&pgtIou=PGTIOU-"));
    auto params = core::parseForm(callback.url.substr(callback.url.find('?') + 1));
    auto iou = core::findParameter(*params, "pgtIou");
    auto pgt = core::findParameter(*params, "pgtId");
    REQUIRE(pgt.has_value());
    CHECK(pgt->starts_with("PGT-"));
    auto doc = parseXml(validated.body);
    CHECK(doc.root().descendant(casNs, "proxyGrantingTicket")->text() == *iou);

    // /proxy gives a PT for a registered target, many times (a PGT is not one-time).
    auto proxied =
        f.get("/cas/proxy", {{"pgt", *pgt}, {"targetService", "https://backend.example.org/api"}});
    auto proxyDoc = parseXml(proxied.body);
    auto pt = proxyDoc.root().descendant(casNs, "proxyTicket");
    REQUIRE(pt.has_value());
    CHECK(pt->text().starts_with("PT-"));
    auto secondDoc = parseXml(
        f.get("/cas/proxy", {{"pgt", *pgt}, {"targetService", "https://backend.example.org/api"}})
            .body);
    auto secondPt = secondDoc.root().descendant(casNs, "proxyTicket");
    REQUIRE(secondPt.has_value());

    // A PT at /serviceValidate: INVALID_TICKET_SPEC (§2.5), and it is consumed.
    CHECK(failureCode(f.get("/cas/serviceValidate",
                            validation("https://backend.example.org/api", secondPt->text()))) ==
          "INVALID_TICKET_SPEC");
    CHECK(failureCode(f.get("/cas/proxyValidate",
                            validation("https://backend.example.org/api", secondPt->text()))) ==
          "INVALID_TICKET");

    auto ok =
        f.get("/cas/proxyValidate", validation("https://backend.example.org/api", pt->text()));
    auto okDoc = parseXml(ok.body);
    CHECK(okDoc.root().descendant(casNs, "user")->text() == "prof.herriot");
    auto proxies = okDoc.root().descendant(casNs, "proxies");
    REQUIRE(proxies.has_value());
    REQUIRE(proxies->children().size() == 1);
    CHECK(proxies->children()[0].text() == pgtUrl);
    CHECK(f.metrics.ticketsIssued.value({"PT"}) == 2);
    CHECK(f.metrics.ticketsIssued.value({"PGT"}) == 1);
}

TEST_CASE("proxy tickets carry the target's release when a policy is given", "[unit][cas]") {
    CasFixture f;
    f.rebuild([](const core::Identity& id,
                 const policies::Service& target) -> std::optional<core::Release> {
        if (target.id != "backend") return std::nullopt;
        core::Release r;
        r.user = "backend-" + id.login;
        r.attributes.set("role", {"teacher"});
        return r;
    });
    auto q = validation(app, f.issue(app));
    q.emplace_back("pgtUrl", "https://app.example.org/proxy");
    REQUIRE(failureCode(f.get("/cas/serviceValidate", q)).empty());
    auto params =
        core::parseForm(f.backChannel.sent[0].url.substr(f.backChannel.sent[0].url.find('?') + 1));
    auto pgt = *core::findParameter(*params, "pgtId");
    auto pt = parseXml(f.get("/cas/proxy",
                             {{"pgt", pgt}, {"targetService", "https://backend.example.org/x"}})
                           .body)
                  .root()
                  .descendant(casNs, "proxyTicket")
                  ->text();
    auto doc = parseXml(
        f.get("/cas/p3/proxyValidate", validation("https://backend.example.org/x", pt)).body);
    CHECK(doc.root().descendant(casNs, "user")->text() == "backend-prof.herriot");
    CHECK(doc.root().descendant(casNs, "role")->text() == "teacher");
    CHECK_FALSE(doc.root().descendant(casNs, "ENTPersonProfils").has_value());
    CHECK(failureCode(f.get("/cas/proxy",
                            {{"pgt", pgt}, {"targetService", "https://app.example.org/x"}})) ==
          "UNAUTHORIZED_SERVICE");
}

TEST_CASE("pgtUrl must be https, allowed for the service, and answer 200 to get a PGT",
          "[unit][cas]") {
    CasFixture f;
    auto attempt = [&](const std::string& service, const std::string& pgtUrl) {
        auto q = validation(service, f.issue(service));
        q.emplace_back("pgtUrl", pgtUrl);
        return f.get("/cas/serviceValidate", q);
    };
    CHECK(failureCode(attempt(app, "http://app.example.org/proxy")) == "INVALID_PROXY_CALLBACK");
    CHECK(failureCode(attempt(app, "https://evil.example.com/proxy")) == "INVALID_PROXY_CALLBACK");
    CHECK(failureCode(
              attempt("https://backend.example.org/x", "https://backend.example.org/proxy")) ==
          "UNAUTHORIZED_SERVICE_PROXY");
    // A pgtUrl far longer than any URL is refused (over 4096 characters nothing matches).
    CHECK(failureCode(attempt(app, "https://app.example.org/" + std::string(40000, 'a'))) ==
          "INVALID_PROXY_CALLBACK");
    CHECK(f.backChannel.sent.empty());  // none of those was called

    // §2.5.4: a callback that does not answer 200 gets no PGT, but the validation succeeds.
    f.backChannel.status = 404;
    auto refused = attempt(app, "https://app.example.org/proxy");
    CHECK(failureCode(refused).empty());
    CHECK(refused.body.find("<cas:authenticationSuccess>") != std::string::npos);
    CHECK(refused.body.find("proxyGrantingTicket") == std::string::npos);
    CHECK(f.store.count(cas::proxyGrantingTickets) == 0);
    f.backChannel.unreachable = true;
    auto unreachable = attempt(app, "https://app.example.org/proxy");
    CHECK(failureCode(unreachable).empty());
    CHECK(unreachable.body.find("proxyGrantingTicket") == std::string::npos);
    CHECK(f.store.count(cas::proxyGrantingTickets) == 0);
}

TEST_CASE("a session that ended before its ticket was validated gives no PGT", "[unit][cas]") {
    CasFixture f;
    auto ticket = f.issue(app);
    f.store.sessions.erase("session-1");  // its idle timeout passed: Redis let it expire
    auto q = validation(app, ticket);
    q.emplace_back("pgtUrl", "https://app.example.org/proxy");
    auto r = f.get("/cas/serviceValidate", q);
    CHECK(r.status == 200);
    CHECK(r.body.find("<cas:authenticationSuccess>") != std::string::npos);
    CHECK(r.body.find("proxyGrantingTicket") == std::string::npos);
    CHECK(f.backChannel.sent.empty());
}

TEST_CASE("/proxy errors", "[unit][cas]") {
    CasFixture f;
    auto q = validation(app, f.issue(app));
    q.emplace_back("pgtUrl", "https://app.example.org/proxy");
    REQUIRE(failureCode(f.get("/cas/serviceValidate", q)).empty());
    auto params =
        core::parseForm(f.backChannel.sent[0].url.substr(f.backChannel.sent[0].url.find('?') + 1));
    auto pgt = *core::findParameter(*params, "pgtId");
    const std::string backend = "https://backend.example.org/x";
    CHECK(failureCode(f.get("/cas/proxy", {{"pgt", pgt}})) == "INVALID_REQUEST");
    CHECK(failureCode(f.get("/cas/proxy", {{"targetService", backend}})) == "INVALID_REQUEST");
    CHECK(failureCode(f.get("/cas/proxy",
                            {{"pgt", pgt}, {"targetService", "https://evil.example.com/"}})) ==
          "UNAUTHORIZED_SERVICE");
    CHECK(failureCode(f.get("/cas/proxy", {{"pgt", "PGT-nope"}, {"targetService", backend}})) ==
          "BAD_PGT");
    f.store.down = true;
    auto outage = f.get("/cas/proxy", {{"pgt", pgt}, {"targetService", backend}});
    CHECK(outage.status == 503);
    CHECK(failureCode(outage) == "INTERNAL_ERROR");
    f.store.down = false;
    // §3.3.1: the PGT ends with the SSO session.
    f.store.sessions.erase("session-1");
    CHECK(failureCode(f.get("/cas/proxy", {{"pgt", pgt}, {"targetService", backend}})) ==
          "BAD_PGT");
}

namespace {
std::string samlRequest(const std::string& ticket) {
    return R"(<?xml version="1.0" encoding="utf-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body><samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"  MajorVersion="1" MinorVersion="1"><samlp:AssertionArtifact>)" +
           ticket +
           "</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>";
}
core::HttpRequest samlPost(const std::string& target, std::string body) {
    auto r = CasFixture::request("/cas/samlValidate", {{"TARGET", target}}, "POST");
    r.body = std::move(body);
    return r;
}
constexpr std::string_view soapNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view samlpNs = "urn:oasis:names:tc:SAML:1.0:protocol";
constexpr std::string_view samlNs = "urn:oasis:names:tc:SAML:1.0:assertion";
std::string statusOf(const xml::XmlDocument& doc) {
    auto code = doc.root().descendant(samlpNs, "StatusCode");
    REQUIRE(code.has_value());
    return code->attribute("Value").value_or("");
}
}  // namespace

TEST_CASE("/samlValidate answers the SAML 1.1 response mod_auth_cas reads", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    // mod_auth_cas' exact request (getResponseFromServer, CASValidateSAML On): no RequestID.
    auto r = f.response(samlPost(app, samlRequest(ticket)));
    CHECK(r.status == 200);
    auto doc = parseXml(r.body);
    // mod_auth_cas walks Envelope > Body > Response > Status > StatusCode@Value "*:Success",
    // then Assertion > AttributeStatement > Subject > NameIdentifier and Attribute children.
    REQUIRE(doc.root().is(soapNs, "Envelope"));
    auto response = doc.root().child(soapNs, "Body")->child(samlpNs, "Response");
    REQUIRE(response.has_value());
    CHECK(statusOf(doc) == "samlp:Success");
    auto assertion = response->child(samlNs, "Assertion");
    REQUIRE(assertion.has_value());
    auto statement = assertion->child(samlNs, "AttributeStatement");
    REQUIRE(statement.has_value());
    CHECK(statement->child(samlNs, "Subject")->child(samlNs, "NameIdentifier")->text() ==
          "prof.herriot");
    std::map<std::string, std::vector<std::string>> attributes;
    for (auto& a : statement->children()) {
        if (a.localName() != "Attribute") continue;
        for (auto& v : a.children()) attributes[*a.attribute("AttributeName")].push_back(v.text());
    }
    CHECK(attributes["ENTPersonStructRattach"] == std::vector<std::string>{"0690001A", "0690002B"});
    CHECK(attributes["isFromNewLogin"] == std::vector<std::string>{"true"});
    auto authn = assertion->child(samlNs, "AuthenticationStatement");
    REQUIRE(authn.has_value());
    CHECK(authn->attribute("AuthenticationMethod") == "urn:oasis:names:tc:SAML:1.0:am:password");
    CHECK(assertion->descendant(samlNs, "Audience")->text() == app);

    // Validated once: the same request again is refused.
    auto again = parseXml(f.response(samlPost(app, samlRequest(ticket))).body);
    CHECK(statusOf(again) == "samlp:RequestDenied");
}

TEST_CASE("/samlValidate refusals", "[unit][cas]") {
    CasFixture f;
    std::string ticket = f.issue(app);
    SECTION("a ticket for another TARGET") {
        auto doc =
            parseXml(f.response(samlPost("https://app.example.org/x", samlRequest(ticket))).body);
        CHECK(statusOf(doc) == "samlp:RequestDenied");
        CHECK(doc.root().descendant(samlpNs, "StatusMessage")->text().find("not issued for") !=
              std::string::npos);
    }
    SECTION("hostile XML is refused without consuming the ticket") {
        std::string hostile = R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY t ")" + ticket +
                              R"(">]>)" + samlRequest("&t;").substr(38);
        CHECK(statusOf(parseXml(f.response(samlPost(app, hostile)).body)) == "samlp:Requester");
        CHECK(statusOf(parseXml(f.response(samlPost(app, samlRequest(ticket))).body)) ==
              "samlp:Success");
    }
    SECTION("a GET, no TARGET, no artifact") {
        auto get = samlPost(app, samlRequest(ticket));
        get.method = "GET";
        CHECK(statusOf(parseXml(f.response(get).body)) == "samlp:Requester");
        CHECK(statusOf(parseXml(f.response(samlPost("", samlRequest(ticket))).body)) ==
              "samlp:Requester");
        CHECK(statusOf(parseXml(f.response(samlPost(app, "<a/>")).body)) == "samlp:Requester");
    }
    SECTION("attributes to an http:// TARGET too: they travel on Sesame's https answer") {
        const std::string legacy = "http://legacy.example.org/app";
        auto doc = parseXml(f.response(samlPost(legacy, samlRequest(f.issue(legacy)))).body);
        CHECK(statusOf(doc) == "samlp:Success");
        CHECK(doc.root().descendant(samlNs, "NameIdentifier")->text() == "prof.herriot");
        CHECK(doc.root().descendant(samlNs, "Attribute").has_value());
    }
}

TEST_CASE("markup in values and parameters is escaped in XML and JSON", "[unit][cas]") {
    CasFixture f;
    core::Release hostile;
    hostile.user = "<script>alert(1)</script>&amp;\x01";
    hostile.attributes.set("displayName", {"</cas:displayName><cas:user>admin</cas:user>"});
    hostile.attributes.set("bad name<x>", {"dropped"});
    std::string ticket = f.issue(app, true, hostile);
    auto r = f.get("/cas/p3/serviceValidate", validation(app, ticket));
    auto doc = parseXml(r.body);  // still well-formed
    CHECK(doc.root().descendant(casNs, "user")->text() == "<script>alert(1)</script>&amp;");
    CHECK(doc.root().descendant(casNs, "displayName")->text() ==
          "</cas:displayName><cas:user>admin</cas:user>");
    CHECK(r.body.find("dropped") == std::string::npos);
    CHECK(r.body.find("<script>") == std::string::npos);

    auto q = validation(app, f.issue(app, true, hostile));
    q.emplace_back("format", "JSON");
    auto json = boost::json::parse(f.get("/cas/p3/serviceValidate", q).body);
    CHECK(json.at("serviceResponse").at("authenticationSuccess").at("user").as_string() ==
          "<script>alert(1)</script>&amp;\x01");

    // A parameter echoed in a description.
    std::string evil = "https://app.example.org/\"><cas:authenticationSuccess>";
    auto refused = f.get("/cas/serviceValidate", validation(evil, f.issue(app)));
    CHECK(failureCode(refused) == "INVALID_SERVICE");
    CHECK_FALSE(parseXml(refused.body).root().child(casNs, "authenticationSuccess").has_value());
}

TEST_CASE("/logout redirects only to a registered service", "[unit][cas]") {
    CasFixture f;
    auto redirect = [&](core::Parameters q) {
        auto reply = f.handle(CasFixture::request("/cas/logout", q));
        REQUIRE(std::holds_alternative<core::LogoutRequested>(reply));
        return std::get<core::LogoutRequested>(reply).redirectTo;
    };
    CHECK(redirect({{"service", app}}) == app);
    CHECK(redirect({{"service", "https://evil.example.com/"}}).empty());
    CHECK(redirect({}).empty());
    CHECK(redirect({{"url", app}}) == app);
    CHECK(redirect({{"url", "https://evil.example.com/"}}).empty());
}

TEST_CASE("single logout messages are the spec's logoutRequest POSTs", "[unit][cas]") {
    CasFixture f;
    std::vector<core::ServiceVisit> visits{
        {"cas", "demo", app, "ST-one", "https://app.example.org/slo", {}},
        {"cas", "backend", "https://backend.example.org/x", "ST-two", "", {}},
        {"saml", "other", "https://sp.example.org/", "id", "", {}},
    };
    auto messages = f.endpoint->logoutMessages(visits);
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].url == "https://app.example.org/slo");
    CHECK(messages[1].url == "https://backend.example.org/x");
    for (std::size_t i = 0; i < 2; ++i) {
        auto& m = messages[i];
        CHECK(m.contentType == "application/x-www-form-urlencoded");
        REQUIRE(m.body.starts_with("logoutRequest="));
        auto form = core::parseForm(m.body);
        REQUIRE(form.has_value());
        auto doc = parseXml(*core::findParameter(*form, "logoutRequest"));
        constexpr std::string_view p = "urn:oasis:names:tc:SAML:2.0:protocol";
        REQUIRE(doc.root().is(p, "LogoutRequest"));
        CHECK(doc.root().attribute("Version") == "2.0");
        CHECK(doc.root().attribute("ID")->size() > 20);
        CHECK(doc.root().attribute("IssueInstant") == "2023-11-14T22:13:20Z");
        CHECK(doc.root().child("urn:oasis:names:tc:SAML:2.0:assertion", "NameID")->text() ==
              "@NOT_USED@");
        CHECK(doc.root().child(p, "SessionIndex")->text() == visits[i].sessionIndex);
    }
    CHECK(messages[0].body != messages[1].body);
}

TEST_CASE("unknown paths under /cas are 404", "[unit][cas]") {
    CasFixture f;
    CHECK(f.get("/cas/nothing", {}).status == 404);
}
