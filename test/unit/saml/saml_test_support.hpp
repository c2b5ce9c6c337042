#pragma once
// The SAML IdP endpoint driven as gateway/app drives it (as test/unit/cas does for CAS): wired to
// gateway/session's MemorySessionStore on a ManualClock, with hand-built registry services whose
// SPs come from the fixtures of test/data/saml/ (mod_auth_mellon and the Shibboleth SP). The tests
// play the SP: they sign its AuthnRequests and LogoutRequests with its key, and read what Sesame
// answers as the SP would (the auto-post form, the IdP's signatures, decryption with the SP key).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "gateway/xml/base64.hpp"
#include "gateway/xml/redirect_binding.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_reader.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_encryption.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "protocols/saml/saml_endpoint.hpp"
#include "test/support/html.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::saml::test {

namespace asio = boost::asio;
namespace names = xml::saml;

inline const std::string idpUrl = "https://sesame.example.org";
inline const std::string ssoUrl = idpUrl + "/saml/sso";
inline const std::string sloUrl = idpUrl + "/saml/slo";
inline const std::string mellonId = "https://mellon.sp.example.org/mellon/metadata";
inline const std::string mellonAcs = "https://mellon.sp.example.org/mellon/postResponse";
inline const std::string shibId = "https://shib.sp.example.org/shibboleth";
inline const std::string shibAcs = "https://shib.sp.example.org/Shibboleth.sso/SAML2/POST";

inline std::filesystem::path dataDir() {
    return sesame::testing::sourceDir() / "test/data/saml";
}

// A service provider of the fixtures, as the SP itself holds it: its metadata and its key.
struct TestSp {
    std::string entityId;
    std::string metadata;
    xml::SigningKey key;
    xml::DecryptionKey decryption;

    static TestSp load(std::string entityId, const std::string& name) {
        auto key =
            xml::SigningKey::load(dataDir() / (name + "-sp.key"), dataDir() / (name + "-sp.crt"));
        REQUIRE(key.has_value());
        auto decryption =
            xml::DecryptionKey::loadPem(sesame::testing::readFile(dataDir() / (name + "-sp.key")));
        REQUIRE(decryption.has_value());
        return {std::move(entityId),
                sesame::testing::readFile(dataDir() / (name + "-sp-metadata.xml")), *key,
                *decryption};
    }
};

inline const TestSp& mellon() {
    static const TestSp sp = TestSp::load(mellonId, "mellon");
    return sp;
}
inline const TestSp& shib() {
    static const TestSp sp = TestSp::load(shibId, "shib");
    return sp;
}

// The IdP's keys are generated once per run by SamlConfig::parse (first start), then loaded.
inline const sesame::testing::TempDir& idpDir() {
    static const sesame::testing::TempDir dir{"sesame-saml-idp"};
    return dir;
}

inline core::ConfigNode samlSection(core::Parameters entries = {}) {
    const std::string file = (idpDir() / "sesame.yml").string();
    auto map = core::ConfigNode::makeMap(file, "saml", 1);
    int line = 2;
    for (auto& [k, v] : entries)
        map.addEntry(k, core::ConfigNode::makeScalar(v, file, "saml." + k, line++));
    return map;
}

inline SamlConfig parseConfig(core::Parameters entries = {}) {
    core::ConfigErrors errors;
    auto config = SamlConfig::parse(samlSection(std::move(entries)), idpUrl, errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    REQUIRE(config.signingKey.has_value());
    return config;
}

inline std::shared_ptr<SamlServiceSettings> settingsFor(const TestSp& sp) {
    auto read = xml::readSpMetadata(sp.metadata);
    REQUIRE(read.has_value());
    REQUIRE(read->serviceProviders.size() == 1);
    auto catalog = std::make_shared<SpCatalog>();
    catalog->providers.emplace(sp.entityId, read->serviceProviders.front());
    auto settings = std::make_shared<SamlServiceSettings>();
    settings->catalog = std::move(catalog);
    settings->nameIdFormats = {std::string(names::nameid::persistent),
                               std::string(names::nameid::transient),
                               std::string(names::nameid::emailAddress)};
    settings->attributeNameFormat = std::string(names::attrname::basic);
    return settings;
}

inline policies::Service makeService(std::string id, const TestSp& sp,
                                     std::shared_ptr<const SamlServiceSettings> settings) {
    policies::Service s;
    s.id = id;
    s.name = id;
    s.protocol = "saml";
    s.urlPattern = "\\Q" + sp.entityId + "\\E";
    s.compiledPattern = policies::compileServicePattern(s.urlPattern);
    s.settings = std::move(settings);
    return s;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

// What the SP receives: the form posted to its ACS, its Response, the assertion (decrypted).
struct Answer {
    std::string action;
    std::optional<std::string> relayState;
    xml::XmlDocument document;  // the Response
    names::Response response;
    std::optional<xml::XmlDocument> assertionDocument;  // decrypted when it was encrypted
    std::optional<names::Assertion> assertion;
};

struct SamlFixture {
    bool quiet = [] {
        core::setMinimumLogLevel(core::LogLevel::error);  // refusals are expected here
        return true;
    }();
    core::ManualClock clock{1'765'000'000};  // 2025-12-06
    session::MemorySessionStore store{clock};
    SamlConfig config = parseConfig();
    // Changed by a test before the request it is about (the registry reloaded, as it were).
    std::shared_ptr<SamlServiceSettings> mellonSettings = settingsFor(mellon());
    std::shared_ptr<SamlServiceSettings> shibSettings = settingsFor(shib());
    std::vector<policies::Service> services{makeService("mellon", mellon(), mellonSettings),
                                            makeService("shib", shib(), shibSettings)};
    asio::io_context io;
    std::unique_ptr<SamlEndpoint> endpoint;
    core::Session session;

    SamlFixture() {
        rebuild();
        session.id = "session-1";
        session.identity.subject = "f1234567";
        session.identity.directory = "ent";
        session.identity.login = "prof.herriot";
        session.identity.email = "edouard.herriot@ac-lyon.fr";
        session.identity.authMethod = "password";
        session.identity.assurance = "low";
        session.identity.authTime = clock.nowSeconds();
        session.createdAt = session.lastSeenAt = clock.nowSeconds();
        session.language = "fr";
        REQUIRE(run(io, store.createSession(session)).has_value());
    }

    void rebuild() {
        endpoint = std::make_unique<SamlEndpoint>(
            config,
            [this](const std::string& protocol, const std::string& id) -> const policies::Service* {
                for (const auto& s : services)
                    if (s.protocol == protocol && s.acceptsUrl(id)) return &s;
                return nullptr;
            },
            policies::defaultAssuranceLadder(), store, clock);
    }

    // An AuthnRequest as the SP writes it, fresh and addressed to Sesame.
    names::AuthnRequest authnRequest(const TestSp& sp) const {
        names::AuthnRequest r;
        r.id = names::newMessageId();
        r.issueInstant = clock.nowSeconds();
        r.destination = ssoUrl;
        r.issuer = sp.entityId;
        return r;
    }

    names::LogoutRequest logoutRequest(const TestSp& sp, names::NameId nameId) const {
        names::LogoutRequest r;
        r.id = names::newMessageId();
        r.issueInstant = clock.nowSeconds();
        r.destination = sloUrl;
        r.issuer = sp.entityId;
        r.nameId = std::move(nameId);
        return r;
    }

    static core::HttpRequest get(const std::string& path, const std::string& query) {
        core::HttpRequest r;
        r.method = "GET";
        r.path = path;
        r.rawTarget = query.empty() ? path : path + "?" + query;
        r.query = core::parseForm(query).value_or(core::Parameters{});
        r.host = "sesame.example.org";
        r.clientAddress = "192.0.2.10";
        return r;
    }

    // The HTTP-Redirect binding, signed with the SP's key unless `signer` is null.
    static core::HttpRequest redirect(const std::string& path, const std::string& xmlText,
                                      std::optional<std::string> relay,
                                      const xml::SigningKey* signer,
                                      xml::SamlMessageKind kind = xml::SamlMessageKind::request) {
        std::optional<std::string_view> relayView;
        if (relay) relayView = *relay;
        std::string query;
        if (signer) {
            auto signedQuery = xml::encodeSignedRedirect(kind, xmlText, relayView, *signer);
            REQUIRE(signedQuery.has_value());
            query = *signedQuery;
        } else {
            query = xml::encodeRedirect(kind, xmlText, relayView);
        }
        return get(path, query);
    }

    // The HTTP-POST binding: the message as it is (sign it first with signedXml for a signed one).
    static core::HttpRequest post(const std::string& path, const std::string& xmlText,
                                  std::optional<std::string> relay = std::nullopt,
                                  std::string parameter = "SAMLRequest") {
        core::HttpRequest r;
        r.method = "POST";
        r.path = path;
        r.rawTarget = path;
        r.form = {{parameter, xml::base64Encode(xmlText)}};
        if (relay) r.form.emplace_back("RelayState", *relay);
        r.host = "sesame.example.org";
        r.clientAddress = "192.0.2.10";
        return r;
    }

    // The message with an enveloped signature on its root by `key`.
    static std::string signedXml(const std::string& xmlText, const xml::SigningKey& key) {
        auto doc = xml::XmlDocument::parse(xmlText);
        REQUIRE(doc.has_value());
        REQUIRE(xml::signEnveloped(*doc, doc->root(), key).has_value());
        return doc->toString();
    }

    core::EndpointReply handle(const core::HttpRequest& r, bool withSession = false) {
        std::optional<core::Session> s;
        if (withSession) s = session;
        return run(io, endpoint->handle(r, s));
    }

    core::FlowState flowOf(const core::EndpointReply& reply) {
        if (auto* e = std::get_if<core::UserFacingError>(&reply))
            FAIL("user-facing error " << e->messageKey << " " << e->detail);
        if (auto* h = std::get_if<core::HttpResponse>(&reply))
            FAIL("HTTP " << h->status << ": " << h->body.substr(0, 300));
        REQUIRE(std::holds_alternative<core::NeedsAuthentication>(reply));
        return std::get<core::NeedsAuthentication>(reply).flow;
    }

    core::HttpResponse page(const core::EndpointReply& reply) {
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        return std::get<core::HttpResponse>(reply);
    }

    // The Redirect-binding, SP-signed AuthnRequest of `sp`, up to NeedsAuthentication.
    core::FlowState start(const TestSp& sp, const names::AuthnRequest& request,
                          std::optional<std::string> relay = std::nullopt) {
        return flowOf(
            handle(redirect("/saml/sso", names::writeAuthnRequest(request), relay, &sp.key)));
    }

    core::Release release() const {
        core::Release r;
        r.user = "prof.herriot";
        r.attributes.set("ENTPersonProfils", {"National_ENS"});
        r.attributes.set("ENTPersonStructRattach", {"0690001A", "0690002B"});
        r.attributes.set("displayName", {"Édouard Herriot"});
        return r;
    }

    core::HttpResponse resume(const core::FlowState& flow, bool freshLogin = true) {
        auto reply = run(io, endpoint->resume(flow, session, release(), freshLogin));
        REQUIRE(reply.has_value());
        return *reply;
    }

    // Reads the auto-post page as the SP's ACS would: the Response, its signature (when
    // `responseSigned`), the assertion decrypted with the SP's key and its signature.
    Answer answer(const core::HttpResponse& page, const TestSp& sp) const {
        CHECK(page.status == 200);
        CHECK(page.authenticationPage);  // Cache-Control: no-store
        auto form = sesame::testing::findForm(page.body, "");
        REQUIRE(form.has_value());
        CHECK(form->method == "POST");
        auto encoded = form->value("SAMLResponse");
        REQUIRE(encoded.has_value());
        auto decoded = xml::base64Decode(*encoded);
        REQUIRE(decoded.has_value());
        auto doc = xml::XmlDocument::parse(*decoded);
        REQUIRE(doc.has_value());
        auto response = names::readResponse(doc->root());
        INFO(*decoded);
        REQUIRE(response.has_value());
        Answer a{form->action, form->value("RelayState"), std::move(*doc), *response, {}, {}};
        auto encrypted = a.document.root().child(names::ns::assertion, "EncryptedAssertion");
        if (encrypted) {
            auto plain = xml::decryptAssertion(*encrypted, sp.decryption);
            REQUIRE(plain.has_value());
            a.assertionDocument = std::move(*plain);
            auto assertion = names::readAssertion(a.assertionDocument->root());
            REQUIRE(assertion.has_value());
            a.assertion = *assertion;
        } else if (a.response.assertion) {
            a.assertion = a.response.assertion;
        }
        return a;
    }

    std::vector<xml::Certificate> idpCertificates() const {
        return {config.signingKey->certificate()};
    }

    // Whether the Response (root) is signed by the IdP.
    bool responseSigned(const Answer& a) const {
        return xml::verifyEnveloped(a.document, a.document.root(), idpCertificates()).has_value();
    }
    // Whether the assertion is signed by the IdP (decrypted first when it was encrypted).
    bool assertionSigned(const Answer& a) const {
        if (a.assertionDocument)
            return xml::verifyEnveloped(*a.assertionDocument, a.assertionDocument->root(),
                                        idpCertificates())
                .has_value();
        auto assertion = a.document.root().child(names::ns::assertion, "Assertion");
        return assertion &&
               xml::verifyEnveloped(a.document, *assertion, idpCertificates()).has_value();
    }

    // The whole thin path: a signed Redirect AuthnRequest, resumed with the session.
    Answer login(const TestSp& sp, names::AuthnRequest request,
                 std::optional<std::string> relay = std::nullopt) {
        auto flow = start(sp, request, relay);
        return answer(resume(flow), sp);
    }
    Answer login(const TestSp& sp) { return login(sp, authnRequest(sp)); }
};

// The Response's top-level and second-level status.
inline std::pair<std::string, std::string> statusOf(const Answer& a) {
    return {a.response.status.code, a.response.status.subCode};
}

inline const std::pair<std::string, std::string> requestDenied{
    std::string(names::status::requester), std::string(names::status::requestDenied)};

}  // namespace sesame::saml::test
