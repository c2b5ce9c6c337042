// SP metadata from a URL (protocols/saml/metadata_feed): a signed federation aggregate is
// verified whole, swapped in, kept when a refresh fails, cached and read back at start.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <string>

#include "gateway/config/yaml_file.hpp"
#include "gateway/core/text.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "protocols/saml/metadata_feed.hpp"
#include "protocols/saml/saml_config.hpp"
#include "test/support/temp_dir.hpp"
#include "test/unit/xml/test_keys.hpp"

using namespace sesame;
using saml::MetadataFeed;
using xml::testing::testKeys;

namespace {

constexpr std::int64_t now = 1'800'000'000;  // 2027-01-15

// What the federation's server answers, changed by each test step.
class FakeFederation final : public core::BackChannel {
  public:
    int status = 200;
    bool unreachable = false;
    std::string body;
    std::vector<core::OutboundRequest> sent;
    boost::asio::awaitable<Result<core::OutboundResponse>> send(
        core::OutboundRequest request) override {
        sent.push_back(request);
        if (unreachable) co_return core::Errc::unavailable;
        co_return core::OutboundResponse{status, body};
    }
};

std::string spEntity(const std::string& host, const std::string& acs = "",
                     const std::string& validUntil = "") {
    return R"(<md:EntityDescriptor entityID="https://)" + host + R"(/sp")" +
           (validUntil.empty() ? "" : R"( validUntil=")" + validUntil + "\"") +
           R"(><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)"
           R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location=")" +
           (acs.empty() ? "https://" + host + "/acs" : acs) +
           R"(" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>)";
}

// An aggregate signed as a federation signs it: one enveloped signature on the root.
std::string signedAggregate(const std::string& entities, const xml::SigningKey& key,
                            std::int64_t validUntil = now + 86400) {
    std::string text =
        R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="federation-1" validUntil=")" +
        core::formatUtcInstant(validUntil) + R"(">)" + entities + "</md:EntitiesDescriptor>";
    auto document = xml::XmlDocument::parse(text);
    REQUIRE(document.has_value());
    auto signature = xml::signEnveloped(*document, document->root(), key);
    INFO((signature ? "" : signature.error().message()));
    REQUIRE(signature.has_value());
    return document->toString();
}

std::string twoSps(const xml::SigningKey& key = testKeys().idp) {
    return signedAggregate(spEntity("a.example.org") + spEntity("b.example.org"), key);
}

struct Fixture {
    testing::TempDir dir{"sesame-feed"};
    FakeFederation federation;
    boost::asio::io_context context;

    saml::FeedSource source() const {
        saml::FeedSource s;
        s.serviceId = "federation";
        s.url = "https://federation.example/aggregate.xml";
        s.trusted = {testKeys().idp.certificate()};
        s.refresh = std::chrono::hours(1);
        s.cacheFile = (dir / "cache/federation.xml").string();
        return s;
    }
    std::shared_ptr<MetadataFeed> feed(std::shared_ptr<const saml::SpCatalog> local = nullptr) {
        return std::make_shared<MetadataFeed>(source(), std::move(local));
    }
    bool refresh(MetadataFeed& feed, std::int64_t at = now) {
        auto done =
            boost::asio::co_spawn(context, feed.refresh(federation, at), boost::asio::use_future);
        context.restart();
        context.run();
        return done.get();
    }
};

bool knows(const MetadataFeed& feed, const std::string& entityId) {
    return feed.catalog()->find(entityId) != nullptr;
}

}  // namespace

TEST_CASE("a signed aggregate is fetched with a large body limit, verified and swapped in",
          "[unit][saml]") {
    Fixture f;
    auto feed = f.feed();
    CHECK_FALSE(knows(*feed, "https://a.example.org/sp"));
    auto before = feed->catalog();
    f.federation.body = twoSps();
    REQUIRE(f.refresh(*feed));
    REQUIRE(f.federation.sent.size() == 1);
    CHECK(f.federation.sent[0].url == "https://federation.example/aggregate.xml");
    CHECK(f.federation.sent[0].maxResponseBytes == 64u * 1024 * 1024);
    CHECK(knows(*feed, "https://a.example.org/sp"));
    CHECK(knows(*feed, "https://b.example.org/sp"));
    // A request that took the catalog before the swap still uses its own copy.
    CHECK(before->providers.empty());
    // The last good copy is cached, as fetched (its signature still verifiable).
    CHECK(testing::readFile(f.dir / "cache/federation.xml") == f.federation.body);
}

TEST_CASE("a refresh that fails keeps the last good copy", "[unit][saml]") {
    Fixture f;
    auto feed = f.feed();
    f.federation.body = twoSps();
    REQUIRE(f.refresh(*feed));
    auto good = feed->catalog();
    const auto cached = testing::readFile(f.dir / "cache/federation.xml");

    SECTION("network") {
        f.federation.unreachable = true;
    }
    SECTION("HTTP status") {
        f.federation.status = 503;
    }
    SECTION("tampered content") {
        f.federation.body = xml::testing::replaceOnce(
            f.federation.body, "https://b.example.org/acs", "https://attacker.example/acs");
    }
    SECTION("signed by another key") {
        f.federation.body = twoSps(testKeys().other);
    }
    SECTION("no signature") {
        f.federation.body =
            R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="x">)" +
            spEntity("c.example.org") + "</md:EntitiesDescriptor>";
    }
    SECTION("expired document") {
        f.federation.body = signedAggregate(spEntity("c.example.org"), testKeys().idp, now - 1);
    }
    SECTION("not XML") {
        f.federation.body = "<html>maintenance";
    }

    CHECK_FALSE(f.refresh(*feed, now + 3600));
    CHECK(feed->catalog() == good);
    CHECK(knows(*feed, "https://b.example.org/sp"));
    CHECK(
        feed->catalog()->find("https://b.example.org/sp")->assertionConsumerServices[0].location ==
        "https://b.example.org/acs");
    CHECK_FALSE(knows(*feed, "https://c.example.org/sp"));
    CHECK(testing::readFile(f.dir / "cache/federation.xml") == cached);
    // Retried sooner than the refresh period, not at once.
    CHECK_FALSE(feed->due(now + 3600));
    CHECK(feed->due(now + 3600 + 60));
}

TEST_CASE("metadata signed by a key that is not the configured one is never used", "[unit][saml]") {
    Fixture f;
    auto feed = f.feed();
    f.federation.body = twoSps(testKeys().other);
    CHECK_FALSE(f.refresh(*feed));
    CHECK(feed->catalog()->providers.empty());
    CHECK_FALSE(std::filesystem::exists(f.dir / "cache/federation.xml"));
}

TEST_CASE("one bad entity of the aggregate is skipped, the others load", "[unit][saml]") {
    Fixture f;
    auto feed = f.feed();
    f.federation.body = signedAggregate(
        spEntity("a.example.org") + spEntity("bad.example.org", "javascript:alert(1)") +
            spEntity("old.example.org", "", "2020-01-01T00:00:00Z") + spEntity("b.example.org"),
        testKeys().idp);
    REQUIRE(f.refresh(*feed));
    CHECK(knows(*feed, "https://a.example.org/sp"));
    CHECK(knows(*feed, "https://b.example.org/sp"));
    CHECK_FALSE(knows(*feed, "https://bad.example.org/sp"));
    CHECK_FALSE(knows(*feed, "https://old.example.org/sp"));
    CHECK(feed->catalog()->errors.size() == 2);
}

TEST_CASE("the cached copy is read at start, verified again", "[unit][saml]") {
    Fixture f;
    {
        auto first = f.feed();
        f.federation.body = twoSps();
        REQUIRE(f.refresh(*first));
    }
    SECTION("a restart during an outage still knows the SPs") {
        auto restarted = f.feed();
        restarted->loadCache(now + 60);
        CHECK(knows(*restarted, "https://a.example.org/sp"));
        CHECK(f.federation.sent.size() == 1);  // from the file, not the network
    }
    SECTION("a cache file changed on disk is refused") {
        auto text = testing::readFile(f.dir / "cache/federation.xml");
        testing::writeFile(f.dir / "cache/federation.xml",
                           xml::testing::replaceOnce(text, "https://a.example.org/acs",
                                                     "https://attacker.example/acs"));
        auto restarted = f.feed();
        restarted->loadCache(now + 60);
        CHECK(restarted->catalog()->providers.empty());
    }
    SECTION("a cached copy past its validUntil is refused") {
        auto restarted = f.feed();
        restarted->loadCache(now + 2 * 86400);
        CHECK(restarted->catalog()->providers.empty());
    }
    SECTION("neither cache nor network: no SP, until the first fetch") {
        std::filesystem::remove(f.dir / "cache/federation.xml");
        auto restarted = f.feed();
        restarted->loadCache(now);
        CHECK(restarted->catalog()->providers.empty());
        REQUIRE(f.refresh(*restarted));
        CHECK(knows(*restarted, "https://a.example.org/sp"));
    }
}

TEST_CASE("SPs whose validUntil passes are dropped even when no refresh succeeds", "[unit][saml]") {
    Fixture f;
    auto feed = f.feed();
    f.federation.body =
        signedAggregate(spEntity("a.example.org", "", core::formatUtcInstant(now + 600)) +
                            spEntity("b.example.org"),
                        testKeys().idp);
    REQUIRE(f.refresh(*feed));
    feed->expire(now + 599);
    CHECK(knows(*feed, "https://a.example.org/sp"));
    feed->expire(now + 600);
    CHECK_FALSE(knows(*feed, "https://a.example.org/sp"));
    CHECK(knows(*feed, "https://b.example.org/sp"));
}

TEST_CASE("the SPs of local files stay next to the fetched ones and win over them",
          "[unit][saml]") {
    Fixture f;
    auto local = std::make_shared<saml::SpCatalog>();
    auto read = xml::readSpMetadata(
        R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">)" +
        spEntity("a.example.org", "https://a.example.org/local-acs") +
        spEntity("local.example.org") + "</md:EntitiesDescriptor>");
    REQUIRE(read.has_value());
    for (auto& sp : read->serviceProviders) local->providers.emplace(sp.entityId, sp);
    auto feed = f.feed(local);
    CHECK(knows(*feed, "https://local.example.org/sp"));
    f.federation.body = twoSps();
    REQUIRE(f.refresh(*feed));
    CHECK(knows(*feed, "https://local.example.org/sp"));
    CHECK(knows(*feed, "https://b.example.org/sp"));
    CHECK(
        feed->catalog()->find("https://a.example.org/sp")->assertionConsumerServices[0].location ==
        "https://a.example.org/local-acs");
}

namespace {

struct ParsedService {
    std::shared_ptr<const saml::SamlServiceSettings> settings;
    std::string errors;
};

// A service entry of etc/services/<file>.yml, `metadata:` lines indented under it.
ParsedService parseService(const testing::TempDir& dir, const std::string& metadata) {
    core::ConfigErrors errors;
    auto node = config::loadYamlString("id: federation\nprotocol: saml\nmetadata:\n" + metadata,
                                       (dir / "services/federation.yml").string(), errors);
    REQUIRE(node.has_value());
    auto settings = saml::samlServiceSchema().parse(*node, errors);
    return {std::dynamic_pointer_cast<const saml::SamlServiceSettings>(settings), errors.format()};
}

}  // namespace

TEST_CASE("metadata.url in a service entry: checked, never fetched while parsing", "[unit][saml]") {
    testing::TempDir dir("sesame-feed-config");
    const auto certificate = testKeys().idpCertificateFile.string();

    SECTION("a URL with its certificate: a feed, its cache beside the IdP's keys by default") {
        auto parsed = parseService(dir,
                                   "  url: https://federation.example/aggregate.xml\n"
                                   "  certificate: " +
                                       certificate + "\n  refresh: 30m\n");
        INFO(parsed.errors);
        REQUIRE(parsed.errors.empty());
        REQUIRE(parsed.settings);
        REQUIRE(parsed.settings->feed);
        const auto& source = parsed.settings->feed->source();
        CHECK(source.refresh == std::chrono::minutes(30));
        CHECK(std::filesystem::weakly_canonical(source.cacheFile) ==
              std::filesystem::weakly_canonical(dir / "saml/metadata-cache/federation.xml"));
        CHECK(parsed.settings->providers()->providers.empty());
    }
    SECTION("the cached copy is read while parsing (a restart, a reload, check-config)") {
        testing::writeFile(dir / "saml/metadata-cache/federation.xml",
                           signedAggregate(spEntity("a.example.org"), testKeys().idp,
                                           core::SystemClock().nowSeconds() + 3600));
        auto parsed = parseService(dir,
                                   "  url: https://federation.example/aggregate.xml\n"
                                   "  certificate: " +
                                       certificate + "\n");
        REQUIRE(parsed.settings);
        CHECK(parsed.settings->providers()->find("https://a.example.org/sp"));
    }
    SECTION("without the certificate") {
        auto parsed = parseService(dir, "  url: https://federation.example/aggregate.xml\n");
        CHECK_THAT(parsed.errors, Catch::Contains("metadata.certificate"));
    }
    SECTION("a plain http URL") {
        auto parsed = parseService(dir,
                                   "  url: http://federation.example/aggregate.xml\n"
                                   "  certificate: " +
                                       certificate + "\n");
        CHECK_THAT(parsed.errors, Catch::Contains("https://"));
    }
    SECTION("feed keys without a URL") {
        auto parsed = parseService(dir, "  directory: .\n  refresh: 1h\n");
        CHECK_THAT(parsed.errors, Catch::Contains("only with metadata.url"));
    }
}
