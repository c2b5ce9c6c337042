// SAML SPs from a federation's signed metadata URL (issue 8, point 2): a real Sesame fetches the
// aggregate from a real HTTPS server on loopback, an SP of it logs a person in, and the SP keeps
// working when the federation serves a tampered copy, stops answering, or Sesame restarts
// during that outage (the cached copy).
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>

#include "gateway/core/text.hpp"
#include "gateway/xml/redirect_binding.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_keys.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "test/integration/demo_people.hpp"
#include "test/integration/https_callback.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"

using namespace sesame;
using namespace sesame::testing;

namespace {

const std::string mellonEntityId = "https://mellon.sp.example.org/mellon/metadata";
const std::string mellonAcs = "https://mellon.sp.example.org/mellon/postResponse";

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The fixture SP's metadata in an aggregate signed as a federation signs it (its root).
std::string federationAggregate(const xml::SigningKey& key) {
    std::string text =
        R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="federation" validUntil=")" +
        core::formatUtcInstant(unixNow() + 86400) + R"(">)" +
        readFile(sourceDir() / "test/data/saml/mellon-sp-metadata.xml") +
        "</md:EntitiesDescriptor>";
    auto document = xml::XmlDocument::parse(text, 1 << 20);
    REQUIRE(document.has_value());
    REQUIRE(xml::signEnveloped(*document, document->root(), key).has_value());
    return document->toString();
}

// A fresh AuthnRequest of the fixture SP, signed with its key over the Redirect binding.
std::string signedAuthnRequest(const SesameInstance& sesame) {
    static std::atomic<int> count{0};
    xml::saml::AuthnRequest request;
    request.id = "_feed" + std::to_string(::getpid()) + "_" + std::to_string(++count);
    request.issueInstant = unixNow();
    request.destination = sesame.baseUrl() + "/saml/sso";
    request.issuer = mellonEntityId;
    auto key = xml::SigningKey::load(sourceDir() / "test/data/saml/mellon-sp.key",
                                     sourceDir() / "test/data/saml/mellon-sp.crt");
    REQUIRE(key.has_value());
    auto query = xml::encodeSignedRedirect(xml::SamlMessageKind::request,
                                           xml::saml::writeAuthnRequest(request), "feed", *key);
    REQUIRE(query.has_value());
    return sesame.baseUrl() + "/saml/sso?" + *query;
}

// What the SP gets: the auto-submitting form carrying a SAMLResponse to its ACS.
void expectResponseToMellon(const Response& page) {
    INFO(page.url << " " << page.status << "\n" << textContent(page.body));
    REQUIRE(page.status == 200);
    auto form = findForm(page.body, mellonAcs);
    REQUIRE(form.has_value());
    CHECK(form->action == mellonAcs);
    CHECK(form->has("SAMLResponse"));
    CHECK(form->value("RelayState") == "feed");
}

// Lines of the instance's log with every one of `parts`.
int logLines(SesameInstance& sesame, std::initializer_list<std::string> parts) {
    std::ifstream in(sesame.process().stderrPath());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        bool all = true;
        for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
        n += all;
    }
    return n;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

const std::string refused = R"("event":"metadata_refused")";

void waitForRefusal(SesameInstance& sesame, const std::string& reason) {
    const int before = logLines(sesame, {refused, reason});
    waitUntil(
        [&] {
            return logLines(sesame, {refused, reason}) > before;
        },
        std::chrono::seconds(20), "a refresh refused with '" + reason + "'", &sesame.process());
}

}  // namespace

TEST_CASE("an SP of a signed metadata URL logs in, and keeps working through a federation outage",
          "[interop][redis][ldap][saml]") {
    TempDir dir("sesame-saml-feed");
    auto federationKey = xml::generateSigningKeyIfAbsent(dir / "federation.key",
                                                         dir / "federation.crt", "federation.test");
    REQUIRE(federationKey.has_value());
    auto tls = makeTestCertificate(dir.path());
    HttpsCallback federation(tls.certificateFile, tls.privateKeyFile);
    const std::string good = federationAggregate(*federationKey);
    federation.serve("/aggregate.xml", 200, good);

    writeFile(dir / "services/federation.yml",
              "services:\n"
              "  - id: federation\n"
              "    name: Fédération de test\n"
              "    protocol: saml\n"
              "    url_pattern: '^https://mellon\\.sp\\.example\\.org/.*$'\n"
              "    metadata:\n"
              "      url: " +
                  federation.url("/aggregate.xml") +
                  "\n"
                  "      certificate: " +
                  (dir / "federation.crt").string() +
                  "\n"
                  "      refresh: 1s\n"
                  "      cache: " +
                  (dir / "cache/federation.xml").string() +
                  "\n"
                  "    user_attribute: login\n"
                  "    release:\n"
                  "      uid: login\n");
    SesameOptions options{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP")};
    options.edits = {{"services_dir: " + (sourceDir() / "etc/services").string(),
                      "services_dir: " + (dir / "services").string()}};
    options.backChannelCaFile = tls.certificateFile.string();
    SesameInstance sesame(options);

    waitUntil(
        [&] {
            return logLines(sesame, {R"("event":"metadata_loaded")", R"("from":"url")"}) > 0;
        },
        std::chrono::seconds(20), "the metadata fetched", &sesame.process());

    // check-config reads the configuration (and the cached copy) without fetching: it says so.
    auto checked = sesame.cli({"check-config"});
    INFO(checked.output);
    CHECK(checked.exitCode == 0);
    CHECK(checked.output.find(federation.url("/aggregate.xml") + " not fetched now") !=
          std::string::npos);
    CHECK(checked.output.find(R"("from":"cache")") != std::string::npos);
    CHECK(checked.output.find(R"("from":"url")") == std::string::npos);

    // The SP's AuthnRequest leads to the login page, then to a Response to its ACS.
    Browser browser;
    {
        auto portal = browser.follow(browser.get(signedAuthnRequest(sesame)), 10);
        expectResponseToMellon(logIn(browser, portal, teacher));

        // A tampered copy (the ACS moved to an attacker): refused, the SP as it was.
        federation.serve("/aggregate.xml", 200,
                         replaced(good, mellonAcs, "https://attacker.example/acs"));
        waitForRefusal(sesame, "signature");
        expectResponseToMellon(browser.get(signedAuthnRequest(sesame)));

        // The federation down: still served from the last good copy.
        federation.serve("/aggregate.xml", 503, "maintenance");
        waitForRefusal(sesame, "HTTP status 503");
        expectResponseToMellon(browser.get(signedAuthnRequest(sesame)));

        // A reload (SIGHUP) during the outage: the new configuration's feed starts from the
        // cached copy, and the one background task refreshes it once the federation is back.
        sesame.reload();
        expectResponseToMellon(browser.get(signedAuthnRequest(sesame)));
        const auto fetched = [&] {
            return logLines(sesame, {R"("event":"metadata_loaded")", R"("from":"url")"});
        };
        const int before = fetched();
        federation.serve("/aggregate.xml", 200, good);
        waitUntil([&] { return fetched() > before; }, std::chrono::seconds(20),
                  "a refresh after the reload", &sesame.process());
        expectResponseToMellon(browser.get(signedAuthnRequest(sesame)));
        federation.serve("/aggregate.xml", 503, "maintenance");

        // A restart during the outage: the cached copy, verified again, still knows the SP.
        SesameInstance restarted(options);
        CHECK(logLines(restarted, {R"("event":"metadata_loaded")", R"("from":"cache")"}) > 0);
        Browser other;
        auto again = other.follow(other.get(signedAuthnRequest(restarted)), 10);
        expectResponseToMellon(logIn(other, again, teacher));
    }
}
