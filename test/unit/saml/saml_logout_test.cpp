// Single logout at the SAML IdP endpoint (issue 8, §7): an SP's signed LogoutRequest ends the
// session it names and is answered with a signed LogoutResponse; the IdP's own LogoutRequests
// reach an SP over SOAP when it offers it (the Shibboleth SP) and through the browser otherwise
// (mod_auth_mellon).
#include <catch2/catch.hpp>

#include "gateway/xml/saml_soap.hpp"
#include "test/unit/saml/saml_test_support.hpp"

using namespace sesame;
using namespace sesame::saml;
using namespace sesame::saml::test;

namespace {

const std::string mellonSlo = "https://mellon.sp.example.org/mellon/logout";
const std::string shibSoap = "https://shib.sp.example.org/Shibboleth.sso/SLO/SOAP";

// A person logged in at `sp`: the NameID and SessionIndex the SP holds.
struct Login {
    names::NameId nameId;
    std::string sessionIndex;
};

Login loginAt(SamlFixture& f, const TestSp& sp) {
    auto a = f.login(sp);
    REQUIRE(a.assertion.has_value());
    REQUIRE(a.assertion->authn.has_value());
    return {a.assertion->nameId, a.assertion->authn->sessionIndex};
}

core::HttpRequest signedLogout(const names::LogoutRequest& request, const TestSp& sp,
                               std::optional<std::string> relay = "back-to-sp") {
    return SamlFixture::redirect("/saml/slo", names::writeLogoutRequest(request), relay, &sp.key);
}

// A query after the '?' of a URL the browser is sent to, as the SP's endpoint reads it.
xml::ReceivedRedirect receivedAt(const std::string& url, const std::string& endpoint) {
    REQUIRE(url.starts_with(endpoint + "?"));
    auto received = xml::decodeRedirect(url.substr(endpoint.size() + 1));
    REQUIRE(received.has_value());
    return std::move(*received);
}

bool pageRefused(const core::EndpointReply& reply) {
    auto* error = std::get_if<core::UserFacingError>(&reply);
    return error && error->status == 400;
}

// The SP is told its LogoutRequest was refused: a signed LogoutResponse, Requester /
// RequestDenied, at its SLO endpoint; the session is not ended.
void checkDenied(const SamlFixture& f, const core::EndpointReply& reply, const std::string& id) {
    REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
    const auto& page = std::get<core::HttpResponse>(reply);
    CHECK(page.status == 303);
    CHECK(page.authenticationPage);
    auto location = core::findParameter(page.headers, "Location");
    REQUIRE(location.has_value());
    auto received = receivedAt(*location, mellonSlo);
    CHECK(xml::verifyRedirect(received, f.idpCertificates()).has_value());
    auto response = names::readLogoutResponse(received.document.root());
    REQUIRE(response.has_value());
    CHECK(response->inResponseTo == id);
    CHECK(response->status.code == names::status::requester);
    CHECK(response->status.subCode == names::status::requestDenied);
}

}  // namespace

TEST_CASE("an SP's signed LogoutRequest for the session's NameID ends it, then is answered",
          "[unit][saml]") {
    SamlFixture f;
    auto login = loginAt(f, mellon());
    auto request = f.logoutRequest(mellon(), login.nameId);
    request.sessionIndexes = {login.sessionIndex};
    auto reply = f.handle(signedLogout(request, mellon()), true);
    REQUIRE(std::holds_alternative<core::LogoutRequested>(reply));
    const auto& logout = std::get<core::LogoutRequested>(reply);
    REQUIRE(logout.initiator.has_value());
    CHECK(logout.initiator->protocol == "saml");
    CHECK(logout.initiator->serviceId == "mellon");
    CHECK(logout.initiator->service == mellonId);
    CHECK(logout.redirectTo.empty());

    // Once every other service was told, the app asks for the answer to the SP that asked.
    auto answer = f.endpoint->completeLogout(*logout.initiator);
    REQUIRE(answer.has_value());
    CHECK(answer->fields.empty());  // a Redirect: mellon has no POST SLO endpoint
    auto received = receivedAt(answer->action, mellonSlo);
    CHECK(received.kind == xml::SamlMessageKind::response);
    CHECK(received.relayState == "back-to-sp");
    CHECK(xml::verifyRedirect(received, f.idpCertificates()).has_value());
    auto response = names::readLogoutResponse(received.document.root());
    REQUIRE(response.has_value());
    CHECK(response->inResponseTo == request.id);
    CHECK(response->issuer == f.config.entityId);
    CHECK(response->destination == mellonSlo);
    CHECK(response->status.success());
}

TEST_CASE("a LogoutRequest posted across sites is bounced, then read once", "[unit][saml]") {
    SamlFixture f;
    auto login = loginAt(f, shib());
    auto request = f.logoutRequest(shib(), login.nameId);
    auto text = SamlFixture::signedXml(names::writeLogoutRequest(request), shib().key);
    auto bounced = f.page(f.handle(SamlFixture::post("/saml/slo", text, "rs")));
    CHECK(bounced.status == 303);
    auto location = core::findParameter(bounced.headers, "Location");
    REQUIRE(location.has_value());
    REQUIRE(location->starts_with("/saml/slo?continue="));
    auto query = location->substr(location->find('?') + 1);
    auto reply = f.handle(SamlFixture::get("/saml/slo", query), true);
    REQUIRE(std::holds_alternative<core::LogoutRequested>(reply));
    CHECK(pageRefused(f.handle(SamlFixture::get("/saml/slo", query), true)));

    // The Shibboleth SP has a Redirect SLO endpoint: the answer goes there, signed.
    auto answer = f.endpoint->completeLogout(*std::get<core::LogoutRequested>(reply).initiator);
    REQUIRE(answer.has_value());
    auto received =
        receivedAt(answer->action, "https://shib.sp.example.org/Shibboleth.sso/SLO/Redirect");
    CHECK(received.relayState == "rs");
    CHECK(xml::verifyRedirect(received, f.idpCertificates()).has_value());
    CHECK(names::readLogoutResponse(received.document.root())->inResponseTo == request.id);
}

TEST_CASE("an unsigned, badly signed, stale or replayed LogoutRequest is denied to the SP",
          "[unit][saml]") {
    SamlFixture f;
    auto login = loginAt(f, mellon());
    auto request = f.logoutRequest(mellon(), login.nameId);
    SECTION("unsigned (profiles §4.4.4.1)") {
        auto r =
            SamlFixture::redirect("/saml/slo", names::writeLogoutRequest(request), "x", nullptr);
        checkDenied(f, f.handle(r, true), request.id);
        r = SamlFixture::post("/saml/slo", names::writeLogoutRequest(request));
        checkDenied(f, f.handle(r, true), request.id);
    }
    SECTION("signed by another SP's key") {
        checkDenied(f, f.handle(signedLogout(request, shib()), true), request.id);
    }
    SECTION("for another Destination, or none (bindings §3.4.5.2: a signed message says it)") {
        request.destination = ssoUrl;
        checkDenied(f, f.handle(signedLogout(request, mellon()), true), request.id);
        request = f.logoutRequest(mellon(), login.nameId);
        request.destination.clear();
        checkDenied(f, f.handle(signedLogout(request, mellon()), true), request.id);
    }
    SECTION("expired") {
        request.notOnOrAfter = f.clock.nowSeconds() - 61;
        checkDenied(f, f.handle(signedLogout(request, mellon()), true), request.id);
        request = f.logoutRequest(mellon(), login.nameId);
        request.issueInstant = f.clock.nowSeconds() - 300 - 61;
        checkDenied(f, f.handle(signedLogout(request, mellon()), true), request.id);
    }
    SECTION("issued in the future, beyond the clock skew") {
        // It would outlive the memory of its ID and could be replayed later.
        request.issueInstant = f.clock.nowSeconds() + 3600;
        checkDenied(f, f.handle(signedLogout(request, mellon()), true), request.id);
    }
    SECTION("replayed") {
        auto r = signedLogout(request, mellon());
        CHECK(std::holds_alternative<core::LogoutRequested>(f.handle(r, true)));
        checkDenied(f, f.handle(r, true), request.id);
    }
    SECTION("from an unknown SP") {
        request.issuer = "https://unknown.example.org/sp";
        auto reply = f.handle(signedLogout(request, mellon()), true);
        REQUIRE(std::holds_alternative<core::UserFacingError>(reply));
        CHECK(std::get<core::UserFacingError>(reply).messageKey == "error.saml_unknown_sp");
    }
    SECTION("not XML the IdP reads") {
        auto entity = "<!DOCTYPE x [<!ENTITY e \"a\">]>" + names::writeLogoutRequest(request);
        CHECK(pageRefused(
            f.handle(SamlFixture::redirect("/saml/slo", entity, "x", &mellon().key), true)));
    }
    // The session is untouched by every refusal.
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    CHECK(visits->size() == 1);
}

TEST_CASE("a LogoutRequest for another NameID is answered without ending the session",
          "[unit][saml]") {
    SamlFixture f;
    auto login = loginAt(f, mellon());
    auto check = [&](names::NameId other) {
        auto request = f.logoutRequest(mellon(), std::move(other));
        auto reply = f.handle(signedLogout(request, mellon()), true);
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        const auto& page = std::get<core::HttpResponse>(reply);
        CHECK(page.status == 303);
        CHECK(page.authenticationPage);  // Cache-Control: no-store: it carries a SAML message
        auto location = core::findParameter(page.headers, "Location");
        REQUIRE(location.has_value());
        auto received = receivedAt(*location, mellonSlo);
        CHECK(xml::verifyRedirect(received, f.idpCertificates()).has_value());
        CHECK(names::readLogoutResponse(received.document.root())->inResponseTo == request.id);
    };
    auto other = login.nameId;
    other.value = "someone-else";
    check(other);
    // The comment trick: a reader stopping at the comment would see the session's NameID.
    auto commented = login.nameId;
    commented.value += "x";
    auto request = f.logoutRequest(mellon(), commented);
    auto text = names::writeLogoutRequest(request);
    auto at = text.find(commented.value + "<");
    REQUIRE(at != std::string::npos);
    text.insert(at + login.nameId.value.size(), "<!---->");
    auto reply =
        f.handle(SamlFixture::redirect("/saml/slo", text, std::nullopt, &mellon().key), true);
    CHECK_FALSE(std::holds_alternative<core::LogoutRequested>(reply));
    // A request without a session at all is answered too.
    auto lone = f.logoutRequest(mellon(), login.nameId);
    CHECK(std::holds_alternative<core::HttpResponse>(f.handle(signedLogout(lone, mellon()))));
}

TEST_CASE("logout reaches an SP over SOAP when it offers it, through the browser otherwise",
          "[unit][saml]") {
    SamlFixture f;
    auto atShib = loginAt(f, shib());
    auto atMellon = loginAt(f, mellon());
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    REQUIRE(visits->size() == 2);

    auto messages = f.endpoint->logoutMessages(*visits);
    REQUIRE(messages.size() == 1);  // the Shibboleth SP only
    CHECK(messages[0].url == shibSoap);
    CHECK(messages[0].soapAction == names::soapAction);
    CHECK(messages[0].contentType.starts_with("text/xml"));
    auto envelope = xml::XmlDocument::parse(messages[0].body);
    REQUIRE(envelope.has_value());
    auto message = names::soapMessage(*envelope);
    REQUIRE(message.has_value());
    CHECK(xml::verifyEnveloped(*envelope, *message, f.idpCertificates()).has_value());
    auto soapRequest = names::readLogoutRequest(*message);
    REQUIRE(soapRequest.has_value());
    CHECK(soapRequest->issuer == f.config.entityId);
    CHECK(soapRequest->destination == shibSoap);
    CHECK(soapRequest->nameId == atShib.nameId);
    CHECK(soapRequest->sessionIndexes == std::vector<std::string>{atShib.sessionIndex});

    auto frames = f.endpoint->frontChannelLogout(*visits);
    REQUIRE(frames.size() == 1);  // mod_auth_mellon only
    auto received = receivedAt(frames[0].url, mellonSlo);
    CHECK(received.kind == xml::SamlMessageKind::request);
    CHECK(xml::verifyRedirect(received, f.idpCertificates()).has_value());
    auto redirectRequest = names::readLogoutRequest(received.document.root());
    REQUIRE(redirectRequest.has_value());
    CHECK(redirectRequest->destination == mellonSlo);
    CHECK(redirectRequest->nameId == atMellon.nameId);
    CHECK(redirectRequest->sessionIndexes == std::vector<std::string>{atMellon.sessionIndex});
    // Visits of other protocols are not SAML's to tell.
    core::ServiceVisit cas{"cas", "demo", "https://app.example.org/", "ST-1", "", {}};
    CHECK(f.endpoint->logoutMessages({cas}).empty());
    CHECK(f.endpoint->frontChannelLogout({cas}).empty());
}

TEST_CASE("an SP's LogoutResponse ends its frame quietly", "[unit][saml]") {
    SamlFixture f;
    names::LogoutResponse response;
    response.id = names::newMessageId();
    response.inResponseTo = "_whatever";
    response.issueInstant = f.clock.nowSeconds();
    response.destination = sloUrl;
    response.issuer = mellonId;
    response.status.code = std::string(names::status::success);
    auto reply = f.handle(SamlFixture::redirect("/saml/slo", names::writeLogoutResponse(response),
                                                std::nullopt, &mellon().key,
                                                xml::SamlMessageKind::response));
    REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
    CHECK(std::get<core::HttpResponse>(reply).status == 200);
}

TEST_CASE("an SP cannot log out the session of another SP's NameID", "[unit][saml]") {
    SamlFixture f;
    auto atMellon = loginAt(f, mellon());
    loginAt(f, shib());
    // The Shibboleth SP names the NameID mellon received (an SP that learnt it somehow).
    auto request = f.logoutRequest(shib(), atMellon.nameId);
    auto reply = f.handle(signedLogout(request, shib()), true);
    CHECK_FALSE(std::holds_alternative<core::LogoutRequested>(reply));
    REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
    CHECK(std::get<core::HttpResponse>(reply).status == 303);
}

TEST_CASE("a LogoutRequest naming another SessionIndex does not end this session", "[unit][saml]") {
    SamlFixture f;
    auto login = loginAt(f, mellon());
    // The SP's session of an earlier login (the persistent NameID is the same): core §3.7.3.2,
    // only the sessions its SessionIndex names end.
    auto stale = f.logoutRequest(mellon(), login.nameId);
    stale.sessionIndexes = {"_an-earlier-login"};
    auto reply = f.handle(signedLogout(stale, mellon()), true);
    CHECK_FALSE(std::holds_alternative<core::LogoutRequested>(reply));
    CHECK(std::holds_alternative<core::HttpResponse>(reply));
    auto current = f.logoutRequest(mellon(), login.nameId);
    current.sessionIndexes = {"_an-earlier-login", login.sessionIndex};
    CHECK(std::holds_alternative<core::LogoutRequested>(
        f.handle(signedLogout(current, mellon()), true)));
}
