// Web browser SSO at the SAML IdP endpoint (issue 8, §3-§6 and the hardening of §8): the tests
// play mod_auth_mellon and the Shibboleth SP from their fixtures, sign what those SPs sign, and
// read Sesame's answer as their ACS would.
#include <catch2/catch.hpp>

#include "gateway/core/form_post.hpp"
#include "gateway/xml/saml_value.hpp"
#include "test/support/process.hpp"
#include "test/unit/saml/saml_test_support.hpp"

using namespace sesame;
using namespace sesame::saml;
using namespace sesame::saml::test;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

const core::UserFacingError& userError(const core::EndpointReply& reply) {
    REQUIRE(std::holds_alternative<core::UserFacingError>(reply));
    return std::get<core::UserFacingError>(reply);
}

const names::Attribute* attribute(const names::Assertion& a, const std::string& name) {
    for (const auto& attr : a.attributes)
        if (attr.name == name) return &attr;
    return nullptr;
}

}  // namespace

TEST_CASE("a signed Redirect AuthnRequest ends in a signed Response at the ACS", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    const std::string relay = "https://mellon.sp.example.org/cours?id=3&é";
    auto flow = f.start(mellon(), request, relay);
    CHECK(flow.protocol == "saml");
    CHECK(flow.serviceId == "mellon");
    CHECK(flow.service == mellonId);
    CHECK_FALSE(flow.forceAuthentication);
    CHECK_FALSE(flow.passive);
    CHECK(flow.authnContexts.empty());

    auto page = f.resume(flow);
    auto csp = core::findParameter(page.headers, "Content-Security-Policy");
    REQUIRE(csp.has_value());
    CHECK(csp->find("form-action https://mellon.sp.example.org;") != std::string::npos);
    auto a = f.answer(page, mellon());
    CHECK(a.action == mellonAcs);
    CHECK(a.relayState == relay);
    CHECK(a.response.status.success());
    CHECK(a.response.inResponseTo == request.id);
    CHECK(a.response.destination == mellonAcs);
    CHECK(a.response.issuer == f.config.entityId);
    // mellon publishes an encryption key: the assertion is encrypted for it, signed inside.
    REQUIRE(a.assertionDocument.has_value());
    CHECK(a.response.encryptedAssertion);
    CHECK(f.assertionSigned(a));
    CHECK_FALSE(f.responseSigned(a));  // sign: assertion (the default)
    REQUIRE(a.assertion.has_value());
    const auto& assertion = *a.assertion;
    CHECK(assertion.issuer == f.config.entityId);
    CHECK(assertion.audiences == std::vector<std::string>{mellonId});
    const auto now = f.clock.nowSeconds();
    CHECK(assertion.notBefore == now - 60);
    CHECK(assertion.notOnOrAfter == now + 300 + 60);
    REQUIRE(assertion.confirmation.has_value());
    CHECK(assertion.confirmation->recipient == mellonAcs);
    CHECK(assertion.confirmation->inResponseTo == request.id);
    CHECK(assertion.confirmation->notOnOrAfter == now + 300 + 60);
    REQUIRE(assertion.authn.has_value());
    CHECK(assertion.authn->authnInstant == f.session.identity.authTime);
    CHECK(assertion.authn->classRef == names::authncontext::passwordProtectedTransport);
    CHECK(assertion.authn->sessionIndex.size() > 20);
    CHECK(assertion.nameId.format == names::nameid::persistent);
    CHECK(assertion.nameId.nameQualifier == f.config.entityId);
    CHECK(assertion.nameId.spNameQualifier == mellonId);
    auto* profiles = attribute(assertion, "ENTPersonProfils");
    REQUIRE(profiles != nullptr);
    CHECK(profiles->values == std::vector<std::string>{"National_ENS"});
    CHECK(profiles->nameFormat == names::attrname::basic);
    auto* structures = attribute(assertion, "ENTPersonStructRattach");
    REQUIRE(structures != nullptr);
    CHECK(structures->values == std::vector<std::string>{"0690001A", "0690002B"});
    auto* display = attribute(assertion, "displayName");
    REQUIRE(display != nullptr);
    CHECK(display->values == std::vector<std::string>{"Édouard Herriot"});

    // Single logout will name this login by the NameID and SessionIndex the SP received.
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    REQUIRE(visits->size() == 1);
    CHECK(visits->front().protocol == "saml");
    CHECK(visits->front().service == mellonId);
    CHECK(visits->front().sessionIndex == assertion.authn->sessionIndex);
    CHECK(core::findParameter(visits->front().details, "nameid") == assertion.nameId.value);
}

TEST_CASE("the signed parts and the encryption follow the registry", "[unit][saml]") {
    SamlFixture f;
    SECTION("response only, not encrypted") {
        f.mellonSettings->sign = SignedParts::response;
        f.mellonSettings->encrypt = Encryption::never;
        auto a = f.login(mellon());
        CHECK_FALSE(a.response.encryptedAssertion);
        CHECK(f.responseSigned(a));
        CHECK_FALSE(f.assertionSigned(a));
    }
    SECTION("assertion only, not encrypted (the canonical text signed, no xmlsec)") {
        f.mellonSettings->encrypt = Encryption::never;
        auto a = f.login(mellon());
        CHECK_FALSE(a.response.encryptedAssertion);
        CHECK(f.assertionSigned(a));
        CHECK_FALSE(f.responseSigned(a));
        REQUIRE(a.assertion.has_value());
        CHECK(attribute(*a.assertion, "displayName") != nullptr);
    }
    SECTION("both, not encrypted") {
        f.mellonSettings->sign = SignedParts::both;
        f.mellonSettings->encrypt = Encryption::never;
        auto a = f.login(mellon());
        CHECK_FALSE(a.response.encryptedAssertion);
        CHECK(f.responseSigned(a));
        CHECK(f.assertionSigned(a));
    }
    SECTION("both, encrypted with AES-CBC") {
        f.mellonSettings->sign = SignedParts::both;
        f.mellonSettings->cipher = xml::DataCipher::aes128Cbc;
        auto a = f.login(mellon());
        CHECK(a.response.encryptedAssertion);
        CHECK(f.responseSigned(a));
        CHECK(f.assertionSigned(a));
        CHECK(a.document.toString().find("aes128-cbc") != std::string::npos);
    }
    SECTION("URI attribute names") {
        f.mellonSettings->attributeNameFormat = std::string(names::attrname::uri);
        auto a = f.login(mellon());
        REQUIRE(a.assertion.has_value());
        REQUIRE_FALSE(a.assertion->attributes.empty());
        for (const auto& attr : a.assertion->attributes)
            CHECK(attr.nameFormat == names::attrname::uri);
    }
}

TEST_CASE("a signed POST AuthnRequest from a browser with a session", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(shib());
    request.assertionConsumerServiceUrl = shibAcs;
    request.protocolBinding = std::string(names::binding::httpPost);
    request.forceAuthn = true;
    auto signedText = SamlFixture::signedXml(names::writeAuthnRequest(request), shib().key);
    auto flow = f.flowOf(f.handle(SamlFixture::post("/saml/sso", signedText, "ss:mem:42"), true));
    CHECK(flow.service == shibId);
    CHECK(flow.forceAuthentication);
    auto a = f.answer(f.resume(flow), shib());
    CHECK(a.action == shibAcs);
    CHECK(a.relayState == "ss:mem:42");
    CHECK(a.response.inResponseTo == request.id);
    CHECK(f.assertionSigned(a));
}

TEST_CASE("a cross-site POST without the session cookie is bounced through a top-level GET",
          "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    auto signedText = SamlFixture::signedXml(names::writeAuthnRequest(request), mellon().key);
    auto bounced = f.page(f.handle(SamlFixture::post("/saml/sso", signedText, "relay-1")));
    CHECK(bounced.status == 303);
    CHECK(bounced.authenticationPage);
    auto location = core::findParameter(bounced.headers, "Location");
    REQUIRE(location.has_value());
    REQUIRE(location->starts_with("/saml/sso?continue="));
    const std::string query = location->substr(location->find('?') + 1);

    // The browser comes back by GET (Lax cookies are sent): the message is found, once.
    auto flow = f.flowOf(f.handle(SamlFixture::get("/saml/sso", query), true));
    CHECK(flow.service == mellonId);
    CHECK(core::findParameter(flow.params, "relay") == "relay-1");
    auto a = f.answer(f.resume(flow), mellon());
    CHECK(a.response.inResponseTo == request.id);
    CHECK(a.relayState == "relay-1");

    auto again = f.handle(SamlFixture::get("/saml/sso", query), true);
    CHECK(userError(again).status == 400);
    auto forged = f.handle(SamlFixture::get("/saml/sso", "continue=nothing-here"), true);
    CHECK(userError(forged).status == 400);
}

TEST_CASE("the ACS is one of the SP's metadata: by index, by URL or its default", "[unit][saml]") {
    SamlFixture f;
    auto acsOf = [&](names::AuthnRequest request) {
        auto flow = f.start(shib(), request);
        return *core::findParameter(flow.params, "acs");
    };
    auto request = f.authnRequest(shib());
    CHECK(acsOf(request) == shibAcs);  // the default: the first POST one
    request = f.authnRequest(shib());
    request.assertionConsumerServiceIndex = 1;
    CHECK(acsOf(request) == shibAcs);
    request = f.authnRequest(shib());
    request.assertionConsumerServiceUrl = shibAcs;
    CHECK(acsOf(request) == shibAcs);
}

TEST_CASE("an ACS not in the metadata, or an unknown SP, gets a page and no SAML message",
          "[unit][saml]") {
    SamlFixture f;
    auto refusedWith = [&](const TestSp& sp, names::AuthnRequest request) {
        auto reply = f.handle(SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request),
                                                    std::nullopt, &sp.key));
        const auto& error = userError(reply);
        CHECK(error.status == 400);
        return error.messageKey;
    };
    auto request = f.authnRequest(shib());
    request.assertionConsumerServiceUrl = "https://evil.example.com/acs";
    CHECK(refusedWith(shib(), request) == "error.saml_acs_unknown");
    request.assertionConsumerServiceUrl = shibAcs + "/";  // exact comparison
    CHECK(refusedWith(shib(), request) == "error.saml_acs_unknown");
    request = f.authnRequest(shib());
    request.assertionConsumerServiceIndex = 9;
    CHECK(refusedWith(shib(), request) == "error.saml_acs_unknown");
    request.assertionConsumerServiceIndex = 2;  // HTTP-POST-SimpleSign: not what Sesame answers
    CHECK(refusedWith(shib(), request) == "error.saml_acs_unknown");
    request = f.authnRequest(shib());
    request.assertionConsumerServiceUrl = shibAcs;
    request.protocolBinding = std::string(names::binding::httpRedirect);
    CHECK(refusedWith(shib(), request) == "error.saml_acs_unknown");

    auto stranger = f.authnRequest(shib());
    stranger.issuer = "https://unknown.example.org/sp";
    CHECK(refusedWith(shib(), stranger) == "error.saml_unknown_sp");
    // Registered, but the SP is not in the service's metadata.
    f.shibSettings->catalog = std::make_shared<SpCatalog>();
    CHECK(refusedWith(shib(), f.authnRequest(shib())) == "error.saml_unknown_sp");
}

TEST_CASE("a signature is required when the SP's metadata or the registry says so",
          "[unit][saml]") {
    SamlFixture f;
    auto deniedWith = [&](const TestSp& sp, const core::HttpRequest& request,
                          const std::string& id) {
        auto a = f.answer(f.page(f.handle(request, true)), sp);
        CHECK(statusOf(a) == requestDenied);
        CHECK(a.response.inResponseTo == id);
        CHECK_FALSE(a.response.assertion.has_value());
        CHECK_FALSE(a.response.encryptedAssertion);
        CHECK(f.responseSigned(a));
    };
    SECTION("mellon's metadata says AuthnRequestsSigned: unsigned is denied") {
        auto request = f.authnRequest(mellon());
        deniedWith(
            mellon(),
            SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r", nullptr),
            request.id);
        request = f.authnRequest(mellon());
        deniedWith(mellon(), SamlFixture::post("/saml/sso", names::writeAuthnRequest(request)),
                   request.id);
    }
    SECTION("the Shibboleth SP signs nothing unless the registry requires it") {
        auto request = f.authnRequest(shib());
        auto unsigned_ =
            SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r", nullptr);
        f.flowOf(f.handle(unsigned_, true));
        f.shibSettings->requireSignedRequests = true;
        request = f.authnRequest(shib());
        deniedWith(
            shib(),
            SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r", nullptr),
            request.id);
    }
    SECTION("or the IdP's configuration, for every SP") {
        f.config.wantAuthnRequestsSigned = true;
        f.rebuild();
        auto request = f.authnRequest(shib());
        deniedWith(
            shib(),
            SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r", nullptr),
            request.id);
    }
    SECTION("signed by another key") {
        auto request = f.authnRequest(mellon());
        deniedWith(
            mellon(),
            SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r", &shib().key),
            request.id);
        request = f.authnRequest(mellon());
        deniedWith(
            mellon(),
            SamlFixture::post(
                "/saml/sso", SamlFixture::signedXml(names::writeAuthnRequest(request), shib().key)),
            request.id);
    }
    SECTION("a signature that does not cover what arrived") {
        // Redirect: the RelayState changed after signing.
        auto request = f.authnRequest(mellon());
        auto r = SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "good",
                                       &mellon().key);
        r.rawTarget = replaced(r.rawTarget, "RelayState=good", "RelayState=evil");
        deniedWith(mellon(), r, request.id);
        // POST: the content changed after signing (a passive request made active).
        request = f.authnRequest(mellon());
        request.isPassive = true;
        auto text = SamlFixture::signedXml(names::writeAuthnRequest(request), mellon().key);
        deniedWith(mellon(),
                   SamlFixture::post("/saml/sso",
                                     replaced(text, "IsPassive=\"true\"", "IsPassive=\"false\"")),
                   request.id);
    }
    SECTION("over Redirect, an enveloped XML signature is not the binding's (bindings §3.4.4.1)") {
        auto request = f.authnRequest(mellon());
        auto text = SamlFixture::signedXml(names::writeAuthnRequest(request), mellon().key);
        deniedWith(mellon(), SamlFixture::redirect("/saml/sso", text, "r", nullptr), request.id);
    }
    SECTION("a signed request is verified even when no signature is required") {
        auto request = f.authnRequest(shib());
        deniedWith(shib(),
                   SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r",
                                         &mellon().key),
                   request.id);
    }
}

TEST_CASE("signature wrapping: a signed request moved aside, an unsigned copy read",
          "[unit][saml]") {
    SamlFixture f;
    auto original = f.authnRequest(mellon());
    const auto signedText =
        SamlFixture::signedXml(names::writeAuthnRequest(original), mellon().key);
    auto sigStart = signedText.find("<ds:Signature");
    auto sigEnd = signedText.find("</ds:Signature>");
    REQUIRE(sigStart != std::string::npos);
    REQUIRE(sigEnd != std::string::npos);
    sigEnd += std::string_view("</ds:Signature>").size();
    const std::string signature = signedText.substr(sigStart, sigEnd - sigStart);
    const std::string unsignedCopy = std::string(signedText).erase(sigStart, sigEnd - sigStart);

    // The attacker's request: another ID, asking for a passive login to a forced one.
    auto evil = f.authnRequest(mellon());
    evil.forceAuthn = true;
    const std::string evilText = names::writeAuthnRequest(evil);
    const std::string issuerEnd = "</saml:Issuer>";
    auto wrap = [&](const std::string& afterIssuer) {
        return replaced(evilText, issuerEnd, issuerEnd + afterIssuer);
    };
    auto refused = [&](const std::string& text) {
        auto a = f.answer(f.page(f.handle(SamlFixture::post("/saml/sso", text), true)), mellon());
        CHECK(statusOf(a) == requestDenied);
    };
    SECTION("the signed original inside Extensions, the unsigned request at the root") {
        refused(wrap("<samlp:Extensions>" + signedText + "</samlp:Extensions>"));
    }
    SECTION("the original's signature at the root, the original unsigned inside Extensions") {
        refused(wrap(signature + "<samlp:Extensions>" + unsignedCopy + "</samlp:Extensions>"));
    }
    SECTION("the original's signature at the root, nothing else") {
        refused(wrap(signature));
    }
    SECTION("the signed original, with an unsigned copy of itself beside its signature") {
        // The same ID twice: which one was signed would be ambiguous.
        refused(
            replaced(signedText, "</ds:Signature>",
                     "</ds:Signature><samlp:Extensions>" + unsignedCopy + "</samlp:Extensions>"));
    }
}

TEST_CASE("a comment inside a value is read as the whole value", "[unit][saml]") {
    SamlFixture f;
    const std::string text = names::writeAuthnRequest(f.authnRequest(mellon()));
    // Canonicalisation drops comments, so the signature holds: the Issuer is still mellon's.
    auto split = replaced(text, "mellon/metadata<", "mellon<!-- x -->/metadata<");
    auto flow = f.flowOf(f.handle(
        SamlFixture::post("/saml/sso", SamlFixture::signedXml(split, mellon().key)), true));
    CHECK(flow.service == mellonId);
    // A value that only a reader stopping at the comment would take for mellon's.
    auto longer = replaced(names::writeAuthnRequest(f.authnRequest(mellon())), "mellon/metadata<",
                           "mellon/metadata<!---->.evil.example<");
    auto reply = f.handle(SamlFixture::redirect("/saml/sso", longer, std::nullopt, &mellon().key));
    CHECK(userError(reply).messageKey == "error.saml_unknown_sp");
}

TEST_CASE("hostile XML never gets a SAML message: DTD, entities, deflate bomb, garbage",
          "[unit][saml]") {
    SamlFixture f;
    const std::string text = names::writeAuthnRequest(f.authnRequest(mellon()));
    auto withEntity = "<!DOCTYPE samlp:AuthnRequest [<!ENTITY sp \"" + mellonId + "\">]>" +
                      replaced(text, mellonId + "<", "&sp;<");
    auto check = [&](const core::HttpRequest& r) {
        auto reply = f.handle(r, true);
        CHECK(userError(reply).messageKey == "error.saml_request");
    };
    check(SamlFixture::post("/saml/sso", withEntity));
    check(SamlFixture::post("/saml/sso", SamlFixture::signedXml(text, mellon().key) + "<x/>"));
    check(SamlFixture::redirect("/saml/sso", withEntity, std::nullopt, &mellon().key));
    auto bomb = "SAMLRequest=" +
                core::urlEncode(xml::base64Encode(xml::deflateRaw(std::string(8 << 20, ' '))));
    check(SamlFixture::get("/saml/sso", bomb));
    check(SamlFixture::get("/saml/sso", "SAMLRequest=%%%"));
    check(SamlFixture::get("/saml/sso", ""));
    // Well-formed, but not an AuthnRequest (a Response posted to the SSO endpoint).
    auto response = names::errorResponse(mellonId, ssoUrl, "", f.clock.nowSeconds(),
                                         {std::string(names::status::success), "", ""});
    check(SamlFixture::post("/saml/sso", names::writeResponse(response)));
}

TEST_CASE("a request for another Destination, too old, or from the future is denied",
          "[unit][saml]") {
    SamlFixture f;
    auto deniedFor = [&](names::AuthnRequest request) {
        auto reply = f.handle(SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request),
                                                    std::nullopt, &mellon().key));
        auto a = f.answer(f.page(reply), mellon());
        CHECK(a.action == mellonAcs);
        CHECK(a.response.inResponseTo == request.id);
        return statusOf(a);
    };
    auto request = f.authnRequest(mellon());
    request.destination = "https://other-idp.example.org/saml/sso";
    CHECK(deniedFor(request) == requestDenied);
    request = f.authnRequest(mellon());
    request.destination = ssoUrl + "/";
    CHECK(deniedFor(request) == requestDenied);
    // Signed, it must say where it was sent (bindings §3.4.5.2, §3.5.5.2) ...
    request = f.authnRequest(mellon());
    request.destination.clear();
    CHECK(deniedFor(request) == requestDenied);
    // ... unsigned, it may not (the Shibboleth SP signs nothing here).
    auto unsignedRequest = f.authnRequest(shib());
    unsignedRequest.destination.clear();
    f.flowOf(f.handle(SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(unsignedRequest),
                                            std::nullopt, nullptr)));

    const auto now = f.clock.nowSeconds();
    request = f.authnRequest(mellon());
    request.issueInstant = now - 300 - 60 - 1;  // request lifetime and clock skew
    CHECK(deniedFor(request) == requestDenied);
    request = f.authnRequest(mellon());
    request.issueInstant = now + 61;
    CHECK(deniedFor(request) == requestDenied);
    // Within the skew, either way.
    request = f.authnRequest(mellon());
    request.issueInstant = now + 59;
    f.start(mellon(), request);
    request = f.authnRequest(mellon());
    request.issueInstant = now - 300 - 59;
    f.start(mellon(), request);
}

TEST_CASE("a request is accepted once", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    auto r =
        SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "r", &mellon().key);
    f.flowOf(f.handle(r, true));
    auto a = f.answer(f.page(f.handle(r, true)), mellon());
    CHECK(statusOf(a) == requestDenied);
    CHECK(a.response.inResponseTo == request.id);
    // Still refused at the end of its lifetime (the ID is kept as long as it could be fresh).
    f.clock.advance(300 + 60);
    CHECK(statusOf(f.answer(f.page(f.handle(r, true)), mellon())) == requestDenied);
    // Another SP may use the same ID: IDs are remembered per issuer.
    auto other = f.authnRequest(shib());
    other.id = request.id;
    f.start(shib(), other);
}

TEST_CASE("NameIDPolicy: a format the service may receive, else InvalidNameIDPolicy",
          "[unit][saml]") {
    SamlFixture f;
    auto withPolicy = [&](std::string_view format) {
        auto request = f.authnRequest(mellon());
        request.nameIdPolicy = names::NameIdPolicy{std::string(format), true, ""};
        return request;
    };
    auto a = f.login(mellon(), withPolicy(names::nameid::transient));
    REQUIRE(a.assertion.has_value());
    CHECK(a.assertion->nameId.format == names::nameid::transient);
    a = f.login(mellon(), withPolicy(names::nameid::unspecified));
    REQUIRE(a.assertion.has_value());
    CHECK(a.assertion->nameId.format == names::nameid::persistent);  // the service's first

    auto refused = [&](const names::AuthnRequest& request) {
        auto reply = f.handle(SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request),
                                                    std::nullopt, &mellon().key));
        auto answer = f.answer(f.page(reply), mellon());
        CHECK(answer.response.inResponseTo == request.id);
        return statusOf(answer);
    };
    const std::pair<std::string, std::string> invalidPolicy{
        std::string(names::status::requester), std::string(names::status::invalidNameIdPolicy)};
    CHECK(refused(withPolicy("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos")) ==
          invalidPolicy);
    f.mellonSettings->nameIdFormats = {std::string(names::nameid::persistent)};
    CHECK(refused(withPolicy(names::nameid::emailAddress)) == invalidPolicy);
}

TEST_CASE("persistent NameIDs are stable per SP, transient ones new each time", "[unit][saml]") {
    SamlFixture f;
    auto nameIdAt = [&](const TestSp& sp, std::string_view format) {
        auto request = f.authnRequest(sp);
        request.nameIdPolicy = names::NameIdPolicy{std::string(format), true, ""};
        auto a = f.login(sp, request);
        REQUIRE(a.assertion.has_value());
        CHECK(a.assertion->nameId.format == format);
        return a.assertion->nameId.value;
    };
    auto first = nameIdAt(mellon(), names::nameid::persistent);
    CHECK(first.size() >= 32);
    CHECK(nameIdAt(mellon(), names::nameid::persistent) == first);
    CHECK(nameIdAt(shib(), names::nameid::persistent) != first);
    CHECK(first.find(f.session.identity.subject) == std::string::npos);
    // The same person after a restart (the secret is kept): the same identifier.
    f.config = parseConfig();
    f.rebuild();
    CHECK(nameIdAt(mellon(), names::nameid::persistent) == first);
    // Another person.
    f.session.identity.subject = "f7654321";
    CHECK(nameIdAt(mellon(), names::nameid::persistent) != first);

    // Transient: the same for one SP within one session (its logout names it), another in the
    // next session.
    auto t1 = nameIdAt(mellon(), names::nameid::transient);
    CHECK(nameIdAt(mellon(), names::nameid::transient) == t1);
    f.session.id = "session-2";
    REQUIRE(run(f.io, f.store.createSession(f.session)).has_value());
    auto t2 = nameIdAt(mellon(), names::nameid::transient);
    CHECK(t1 != t2);

    CHECK(nameIdAt(mellon(), names::nameid::emailAddress) == "edouard.herriot@ac-lyon.fr");
    // No mail: no such identifier, the SP is told.
    f.session.identity.email.clear();
    auto request = f.authnRequest(mellon());
    request.nameIdPolicy = names::NameIdPolicy{std::string(names::nameid::emailAddress), true, ""};
    auto a = f.answer(f.resume(f.start(mellon(), request)), mellon());
    CHECK(statusOf(a) ==
          std::pair<std::string, std::string>{std::string(names::status::requester),
                                              std::string(names::status::invalidNameIdPolicy)});
    CHECK(a.response.inResponseTo == request.id);
}

TEST_CASE("RequestedAuthnContext is compared with how the person logged in", "[unit][saml]") {
    SamlFixture f;
    auto requesting = [&](names::AuthnContextComparison comparison,
                          std::vector<std::string> classes) {
        auto request = f.authnRequest(mellon());
        request.requestedAuthnContext = names::RequestedAuthnContext{comparison, classes};
        return request;
    };
    const std::pair<std::string, std::string> noAuthnContext{
        std::string(names::status::responder), std::string(names::status::noAuthnContext)};
    using C = names::AuthnContextComparison;
    const std::string ppt(names::authncontext::passwordProtectedTransport);
    const std::string substantial = "http://eidas.europa.eu/LoA/substantial";

    SECTION("minimum password over TLS, after a password login") {
        auto flow = f.start(mellon(), requesting(C::minimum, {ppt}));
        CHECK(flow.minimumAssurance == "low");
        CHECK(flow.authnContexts == std::vector<std::string>{ppt});
        auto a = f.answer(f.resume(flow), mellon());
        CHECK(a.response.status.success());
        CHECK(a.assertion->authn->classRef == ppt);
    }
    SECTION("exact, the same class") {
        CHECK(f.answer(f.resume(f.start(mellon(), requesting(C::exact, {ppt}))), mellon())
                  .response.status.success());
    }
    SECTION("exact, another class of the same level") {
        auto flow =
            f.start(mellon(), requesting(C::exact, {std::string(names::authncontext::password)}));
        CHECK(statusOf(f.answer(f.resume(flow), mellon())) == noAuthnContext);
    }
    SECTION("minimum eIDAS substantial: the login flow must step up") {
        auto flow = f.start(mellon(), requesting(C::minimum, {substantial}));
        CHECK(flow.minimumAssurance == "eidas2");
        // A password login does not answer it ...
        auto a = f.answer(f.resume(flow), mellon());
        CHECK(statusOf(a) == noAuthnContext);
        CHECK_FALSE(a.response.encryptedAssertion);
        // ... a FranceConnect eidas2 one does, and says so.
        f.session.identity.authMethod = "oidc";
        f.session.identity.assurance = "eidas2";
        auto stepped = f.answer(f.resume(flow), mellon());
        CHECK(stepped.response.status.success());
        CHECK(stepped.assertion->authn->classRef == substantial);
    }
    SECTION("only classes Sesame does not know: NoAuthnContext at once") {
        auto request = requesting(C::exact, {"urn:example:ac:classes:retina"});
        auto reply = f.handle(SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request),
                                                    std::nullopt, &mellon().key));
        auto a = f.answer(f.page(reply), mellon());
        CHECK(statusOf(a) == noAuthnContext);
        CHECK(a.response.inResponseTo == request.id);
    }
}

TEST_CASE("IsPassive without a session answers NoPassive", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    request.isPassive = true;
    auto flow = f.start(mellon(), request, "passive-relay");
    CHECK(flow.passive);
    auto a = f.answer(f.endpoint->resumeUnauthenticated(flow), mellon());
    CHECK(statusOf(a) ==
          std::pair<std::string, std::string>{std::string(names::status::responder),
                                              std::string(names::status::noPassive)});
    CHECK(a.action == mellonAcs);
    CHECK(a.response.inResponseTo == request.id);
    CHECK(a.relayState == "passive-relay");
    CHECK(f.responseSigned(a));
}

TEST_CASE("a refusal by policy is a RequestDenied Response for the SP", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(shib());
    auto flow = f.start(shib(), request, "relay-x");
    auto refusal = f.endpoint->refusal(flow);
    REQUIRE(refusal.has_value());
    CHECK(refusal->action == shibAcs);
    auto a = f.answer(core::renderAutoPost(*refusal, "fr"), shib());
    CHECK(statusOf(a) == requestDenied);
    CHECK(a.response.inResponseTo == request.id);
    CHECK(a.relayState == "relay-x");
    CHECK_FALSE(a.response.encryptedAssertion);
    CHECK(f.responseSigned(a));
}

TEST_CASE("IdP-initiated SSO for the services allowed it", "[unit][saml]") {
    SamlFixture f;
    f.shibSettings->idpInitiated = true;
    auto flow = f.flowOf(f.handle(SamlFixture::get(
        "/saml/init", "providerId=" + core::urlEncode(shibId) + "&RelayState=ent")));
    CHECK(flow.service == shibId);
    auto a = f.answer(f.resume(flow), shib());
    CHECK(a.action == shibAcs);
    CHECK(a.relayState == "ent");
    CHECK(a.response.status.success());
    CHECK(a.response.inResponseTo.empty());
    REQUIRE(a.assertion.has_value());
    CHECK(a.assertion->confirmation->inResponseTo.empty());
    CHECK(f.assertionSigned(a));

    auto refused =
        f.handle(SamlFixture::get("/saml/init", "providerId=" + core::urlEncode(mellonId)));
    CHECK(userError(refused).status == 403);
    CHECK(userError(refused).messageKey == "error.saml_unsolicited");
    auto unknown = f.handle(
        SamlFixture::get("/saml/init", "providerId=https%3A%2F%2Funknown.example.org%2Fsp"));
    CHECK(userError(unknown).messageKey == "error.saml_unknown_sp");
    auto twice =
        f.handle(SamlFixture::get("/saml/init", "providerId=" + core::urlEncode(shibId) +
                                                    "&providerId=" + core::urlEncode(mellonId)));
    CHECK(userError(twice).status == 400);
}

TEST_CASE("the metadata is signed and publishes the next signing certificate", "[unit][saml]") {
    sesame::testing::TempDir next{"sesame-saml-next"};
    auto nextKey = xml::generateSigningKeyIfAbsent(next / "next.key", next / "next.crt", "next");
    REQUIRE(nextKey.has_value());
    SamlFixture f;
    f.config = parseConfig({{"next_signing_certificates", (next / "next.crt").string()}});
    f.rebuild();
    auto page = f.page(f.handle(SamlFixture::get("/saml/metadata", "")));
    CHECK(page.status == 200);
    CHECK(core::findParameter(page.headers, "Content-Type") == "application/samlmetadata+xml");
    auto doc = xml::XmlDocument::parse(page.body);
    REQUIRE(doc.has_value());
    CHECK(doc->root().attribute("entityID") == f.config.entityId);
    CHECK(xml::verifyEnveloped(*doc, doc->root(), f.idpCertificates()).has_value());
    CHECK_FALSE(xml::verifyEnveloped(*doc, doc->root(), {nextKey->certificate()}).has_value());
    // Both certificates for signing, before the rollover.
    const std::string current = f.config.signingKey->certificateBase64Der();
    CHECK(page.body.find(current) != std::string::npos);
    CHECK(page.body.find(nextKey->certificateBase64Der()) != std::string::npos);
    CHECK(page.body.find(f.config.encryptionKey->certificateBase64Der()) != std::string::npos);
    for (auto binding : {names::binding::httpRedirect, names::binding::httpPost}) {
        CHECK(page.body.find("Binding=\"" + std::string(binding) + "\" Location=\"" + ssoUrl) !=
              std::string::npos);
        CHECK(page.body.find("Binding=\"" + std::string(binding) + "\" Location=\"" + sloUrl) !=
              std::string::npos);
    }
}

TEST_CASE("the metadata served after a week is still valid", "[unit][saml]") {
    SamlFixture f;
    auto validUntil = [&] {
        auto page = f.page(f.handle(SamlFixture::get("/saml/metadata", "")));
        auto doc = xml::XmlDocument::parse(page.body);
        REQUIRE(doc.has_value());
        CHECK(xml::verifyEnveloped(*doc, doc->root(), f.idpCertificates()).has_value());
        auto text = doc->root().attribute("validUntil");
        REQUIRE(text.has_value());
        auto instant = names::parseDateTime(*text);
        REQUIRE(instant.has_value());
        return *instant;
    };
    CHECK(validUntil() == f.clock.nowSeconds() + 7 * 86400);
    // An SP refreshing its copy (cacheDuration: a day) must never be handed an expired one.
    for (int day = 1; day <= 15; ++day) {
        f.clock.advance(86400);
        INFO("day " << day);
        CHECK(validUntil() > f.clock.nowSeconds() + 86400);
    }
}

TEST_CASE("an SP that names the subject gets an assertion about that subject or none",
          "[unit][saml]") {
    SamlFixture f;
    // core §3.4.1.4: the SP knows the person by the persistent NameID of an earlier login.
    auto first = f.login(mellon());
    REQUIRE(first.assertion.has_value());
    const auto known = first.assertion->nameId;
    auto request = f.authnRequest(mellon());
    request.subject = known;
    auto again = f.login(mellon(), request);
    CHECK(again.response.status.success());
    REQUIRE(again.assertion.has_value());
    CHECK(again.assertion->nameId == known);

    // Another person is logged in in this browser: no assertion about them.
    request = f.authnRequest(mellon());
    request.subject = known;
    f.session.identity.subject = "f7654321";
    auto other = f.login(mellon(), request);
    CHECK(statusOf(other) ==
          std::pair<std::string, std::string>{std::string(names::status::responder),
                                              std::string(names::status::authnFailed)});
    CHECK(other.response.inResponseTo == request.id);
    CHECK_FALSE(other.response.encryptedAssertion);
    CHECK_FALSE(other.assertion.has_value());

    // The subject's format is the one asked for when NameIDPolicy says none.
    request = f.authnRequest(mellon());
    request.subject = names::NameId{"edouard.herriot@ac-lyon.fr",
                                    std::string(names::nameid::emailAddress), "", ""};
    f.session.identity.subject = "f1234567";
    auto byMail = f.login(mellon(), request);
    REQUIRE(byMail.assertion.has_value());
    CHECK(byMail.assertion->nameId.value == "edouard.herriot@ac-lyon.fr");
}

TEST_CASE("one request, twenty at once: one login", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    auto redirect = SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request),
                                          std::nullopt, &mellon().key);
    auto bounced = f.page(f.handle(SamlFixture::post(
        "/saml/sso",
        SamlFixture::signedXml(names::writeAuthnRequest(f.authnRequest(shib())), shib().key))));
    auto location = core::findParameter(bounced.headers, "Location");
    REQUIRE(location.has_value());
    auto continued = SamlFixture::get("/saml/sso", location->substr(location->find('?') + 1));
    // handle() is a coroutine taking its arguments by reference: they must outlive it (a
    // temporary optional made from f.session would not).
    const std::optional<core::Session> session = f.session;
    for (const auto* r : {&redirect, &continued}) {
        std::vector<std::future<core::EndpointReply>> replies;
        for (int i = 0; i < 20; ++i)
            replies.push_back(
                asio::co_spawn(f.io, f.endpoint->handle(*r, session), asio::use_future));
        f.io.restart();
        f.io.run();
        int logins = 0;
        for (auto& reply : replies)
            if (std::holds_alternative<core::NeedsAuthentication>(reply.get())) ++logins;
        CHECK(logins == 1);
    }
}

TEST_CASE("without the session store, no request is accepted unchecked", "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    auto text = names::writeAuthnRequest(request);
    f.store.setAvailable(false);
    // The replay check cannot be made: a page saying so, no login, no SAML message.
    auto reply = f.handle(SamlFixture::redirect("/saml/sso", text, std::nullopt, &mellon().key));
    CHECK(userError(reply).status == 503);
    // A cross-site POST cannot be kept for the browser's return.
    auto bounced =
        f.handle(SamlFixture::post("/saml/sso", SamlFixture::signedXml(text, mellon().key)));
    CHECK(userError(bounced).status == 503);
    // Back: the same request goes through (it was never remembered).
    f.store.setAvailable(true);
    f.start(mellon(), request);
}

TEST_CASE("an ACS dropped from the SP's metadata while the person logs in gets nothing",
          "[unit][saml]") {
    SamlFixture f;
    auto request = f.authnRequest(shib());
    request.isPassive = true;
    auto flow = f.start(shib(), request);
    // The registry is reloaded meanwhile with metadata that moved the ACS elsewhere.
    auto moved = settingsFor(shib());
    auto catalog = std::make_shared<SpCatalog>(*moved->catalog);
    catalog->providers.begin()->second.assertionConsumerServices.front().location =
        "https://shib.sp.example.org/Shibboleth.sso/SAML2/POST-new";
    f.shibSettings->catalog = catalog;
    auto reply = run(f.io, f.endpoint->resume(flow, f.session, f.release(), true));
    REQUIRE(reply.has_value());
    CHECK(reply->status == 400);
    CHECK(reply->body.find(shibAcs) == std::string::npos);
    CHECK(reply->body.find("SAMLResponse") == std::string::npos);
    CHECK(f.endpoint->resumeUnauthenticated(flow).body.find("SAMLResponse") == std::string::npos);
    CHECK_FALSE(f.endpoint->refusal(flow).has_value());
}

TEST_CASE("IsPassive with ForceAuthn: a fresh login cannot be passive, NoPassive at once",
          "[unit][saml]") {
    // core §3.4.1: with IsPassive the IdP MUST NOT visibly take control of the browser, and
    // ForceAuthn cannot be met without it (CAS's renew-wins-over-gateway is not SAML's rule).
    SamlFixture f;
    auto request = f.authnRequest(mellon());
    request.isPassive = true;
    request.forceAuthn = true;
    auto reply = f.handle(
        SamlFixture::redirect("/saml/sso", names::writeAuthnRequest(request), "rs", &mellon().key),
        true);
    auto a = f.answer(f.page(reply), mellon());
    CHECK(statusOf(a) ==
          std::pair<std::string, std::string>{std::string(names::status::responder),
                                              std::string(names::status::noPassive)});
    CHECK(a.response.inResponseTo == request.id);
    CHECK(a.relayState == "rs");
}

TEST_CASE("an SP cannot obtain another SP's persistent identifier", "[unit][saml]") {
    SamlFixture f;
    auto atShib = f.login(shib());
    REQUIRE(atShib.assertion.has_value());
    // mellon asks for an identifier in the Shibboleth SP's namespace (an affiliation it is not
    // part of): it gets its own, or nothing.
    auto request = f.authnRequest(mellon());
    request.nameIdPolicy =
        names::NameIdPolicy{std::string(names::nameid::persistent), true, shibId};
    auto a = f.login(mellon(), request);
    if (a.assertion) {
        CHECK(a.assertion->nameId.value != atShib.assertion->nameId.value);
        CHECK(a.assertion->nameId.spNameQualifier == mellonId);
    } else {
        CHECK(statusOf(a).second == names::status::invalidNameIdPolicy);
    }
}

TEST_CASE("a service out of single logout is not recorded for it", "[unit][saml]") {
    SamlFixture f;
    f.services[0].singleLogout = false;  // mellon
    f.login(mellon());
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    CHECK(visits->empty());
    f.login(shib());
    visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    CHECK(visits->size() == 1);
}

TEST_CASE("xmlsec1 verifies the Response and the metadata Sesame signs", "[unit][saml]") {
    SamlFixture f;
    f.mellonSettings->sign = SignedParts::response;
    f.mellonSettings->encrypt = Encryption::never;
    auto a = f.login(mellon());
    auto metadata = f.page(f.handle(SamlFixture::get("/saml/metadata", ""))).body;
    sesame::testing::TempDir dir("sesame-saml-xmlsec1");
    auto verifies = [&](const std::string& text, const std::string& idAttribute) {
        sesame::testing::writeFile(dir / "signed.xml", text);
        auto result = sesame::testing::runCommand(
            {"xmlsec1",
             {"--verify", "--pubkey-cert-pem", (idpDir() / "saml/idp-signing.crt").string(),
              "--id-attr:ID", idAttribute, (dir / "signed.xml").string()},
             {},
             {},
             dir.path(),
             "xmlsec1"});
        return result.exitCode == 0;
    };
    CHECK(verifies(a.document.toString(), "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
    CHECK(verifies(metadata, "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"));
    // The check can fail: another value under the same signature.
    CHECK_FALSE(verifies(replaced(a.document.toString(), mellonAcs, mellonAcs + "x"),
                         "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
}

TEST_CASE("subject-id is the same for every SP, pairwise-id differs per SP; both scoped",
          "[unit][saml]") {
    SamlFixture f;
    f.mellonSettings->subjectIdAttribute = f.mellonSettings->pairwiseIdAttribute = true;
    f.shibSettings->subjectIdAttribute = f.shibSettings->pairwiseIdAttribute = true;
    auto identifiers = [&](const TestSp& sp) {
        auto a = f.login(sp, f.authnRequest(sp));
        REQUIRE(a.assertion.has_value());
        std::map<std::string, std::string> out;
        for (const auto& attribute : a.assertion->attributes)
            if (attribute.name.rfind("urn:oasis:names:tc:SAML:attribute:", 0) == 0) {
                CHECK(attribute.nameFormat == names::attrname::uri);
                REQUIRE(attribute.values.size() == 1);
                out[attribute.name.substr(attribute.name.rfind(':') + 1)] = attribute.values[0];
            }
        return out;
    };
    auto atMellon = identifiers(mellon());
    auto atShib = identifiers(shib());
    REQUIRE(atMellon.size() == 2);
    REQUIRE(atShib.size() == 2);
    CHECK(atMellon["subject-id"] == atShib["subject-id"]);
    CHECK(atMellon["pairwise-id"] != atShib["pairwise-id"]);
    const std::string scope = "@" + f.config.scope;
    for (const auto& value : {atMellon["subject-id"], atMellon["pairwise-id"]}) {
        CHECK(value.size() > scope.size());
        CHECK(value.substr(value.size() - scope.size()) == scope);
        // The profile's alphabet: lower-case letters, digits, '=' and '-' before the scope.
        CHECK(value.substr(0, value.size() - scope.size())
                  .find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789=-") ==
              std::string::npos);
        CHECK(value.find(f.session.identity.subject) == std::string::npos);
    }
    // Without the option, neither is released.
    f.mellonSettings->subjectIdAttribute = f.mellonSettings->pairwiseIdAttribute = false;
    CHECK(identifiers(mellon()).empty());
}

TEST_CASE("an SP logging in again and again keeps one visit: the others stay in single logout",
          "[unit][saml]") {
    SamlFixture f;
    core::ServiceVisit cas{"cas", "ent", "https://ent.example/", "ST-1", "", {}};
    REQUIRE(run(f.io, f.store.addVisit(f.session.id, cas)).has_value());
    std::string sessionIndex;
    for (int i = 0; i < int(session::maxVisits) + 5; ++i) {
        auto a = f.login(mellon(), f.authnRequest(mellon()));
        REQUIRE(a.assertion.has_value());
        REQUIRE(a.assertion->authn.has_value());
        if (i == 0) sessionIndex = a.assertion->authn->sessionIndex;
        CHECK(a.assertion->authn->sessionIndex == sessionIndex);
    }
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    REQUIRE(visits->size() == 2);
    CHECK((*visits)[0].protocol == "cas");
    CHECK((*visits)[1].protocol == "saml");
}
