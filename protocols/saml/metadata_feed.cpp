#include "protocols/saml/metadata_feed.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/xml/saml_value.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "protocols/saml/saml_config.hpp"

namespace sesame::saml {
namespace {
namespace fs = std::filesystem;
const core::Logger log{"saml.metadata"};

// After a failed refresh the next attempt comes sooner than `refresh`, so that a service left
// without SPs at start gets them soon after the federation is back.
constexpr std::int64_t retryAfterFailureSeconds = 60;
// A federation aggregate may skip hundreds of entities (IdPs are not skipped, only bad SPs):
// the first ones are named, the rest counted.
constexpr std::size_t skippedEntitiesLogged = 10;

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

SignedMetadata readSignedMetadata(std::string_view text,
                                  const std::vector<xml::Certificate>& trusted, std::int64_t now,
                                  std::size_t maxBytes) {
    auto document = xml::XmlDocument::parse(text, maxBytes);
    if (!document) return {std::nullopt, "not usable XML: " + document.error().message()};
    // The whole document is what the signature covers and what is read below: an aggregate is
    // trusted as one, never entity by entity.
    auto verified = xml::verifyEnveloped(*document, document->root(), trusted);
    if (!verified) return {std::nullopt, "signature: " + verified.error().message()};
    if (auto validUntil = verified->element.attribute("validUntil")) {
        auto until = xml::saml::parseDateTime(*validUntil);
        if (!until) return {std::nullopt, "validUntil is not a UTC xs:dateTime"};
        if (*until <= now) return {std::nullopt, "expired (validUntil " + *validUntil + ")"};
    }
    xml::MetadataLimits limits;
    limits.maxBytes = maxBytes;
    limits.now = now;  // entities (or nested aggregates) that expired are skipped one by one
    auto read = xml::readSpMetadata(verified->element, limits);
    if (!read) return {std::nullopt, read.error().message()};
    return {std::move(*read), {}};
}

MetadataFeed::MetadataFeed(FeedSource source, std::shared_ptr<const SpCatalog> local)
    : source_(std::move(source)),
      local_(local ? std::move(local) : std::make_shared<const SpCatalog>()),
      catalog_(local_) {}

void MetadataFeed::loadCache(std::int64_t now) {
    std::error_code ec;
    if (source_.cacheFile.empty() || !fs::is_regular_file(source_.cacheFile, ec)) {
        log.warning("metadata_cache_absent",
                    {{"service", source_.serviceId},
                     {"file", source_.cacheFile},
                     {"consequence", "no SP from the URL until it is fetched"}});
        return;
    }
    (void)install(readFile(source_.cacheFile), now, "cache");
}

bool MetadataFeed::install(std::string_view text, std::int64_t now, const char* origin) {
    auto read = readSignedMetadata(text, source_.trusted, now, source_.maxBytes);
    if (!read.metadata) {
        log.warning("metadata_refused", {{"service", source_.serviceId},
                                         {"from", origin},
                                         {"url", source_.url},
                                         {"reason", read.problem},
                                         {"consequence", "the last good copy stays"}});
        return false;
    }
    auto catalog = std::make_shared<SpCatalog>(*local_);
    std::size_t skipped = 0;
    for (auto& e : read.metadata->errors) {
        if (skipped++ < skippedEntitiesLogged)
            log.warning(
                "metadata_entity_skipped",
                {{"service", source_.serviceId}, {"entity", e.entityId}, {"reason", e.reason}});
        catalog->errors.push_back(std::move(e));
    }
    std::size_t fetched = read.metadata->serviceProviders.size();
    for (auto& sp : read.metadata->serviceProviders) {
        auto id = sp.entityId;
        // A local file names the SP on purpose: it wins over the aggregate's copy.
        catalog->providers.try_emplace(std::move(id), std::move(sp));
    }
    catalog_.store(std::move(catalog));
    log.info("metadata_loaded", {{"service", source_.serviceId},
                                 {"from", origin},
                                 {"url", source_.url},
                                 {"providers", std::to_string(fetched)},
                                 {"skipped", std::to_string(skipped)}});
    return true;
}

boost::asio::awaitable<bool> MetadataFeed::refresh(core::BackChannel& backChannel,
                                                   std::int64_t now) {
    nextAttempt_ = now + std::min<std::int64_t>(source_.refresh.count(), retryAfterFailureSeconds);
    core::OutboundRequest request;
    request.url = source_.url;
    request.timeout = source_.timeout;
    request.maxResponseBytes = source_.maxBytes;
    auto response = co_await backChannel.send(std::move(request));
    std::string problem;
    if (!response)
        problem = "fetch: " + response.error().message();
    else if (response->status != 200)
        problem = "fetch: HTTP status " + std::to_string(response->status);
    if (!problem.empty()) {
        log.warning("metadata_refused", {{"service", source_.serviceId},
                                         {"from", "url"},
                                         {"url", source_.url},
                                         {"reason", problem},
                                         {"consequence", "the last good copy stays"}});
        co_return false;
    }
    if (!install(response->body, now, "url")) co_return false;
    nextAttempt_ = now + source_.refresh.count();
    writeCache(response->body);
    co_return true;
}

// Written beside its final name then renamed over it: a crash or a full disk never leaves a
// half-written copy for the next start (which would then refuse it and know no SP).
void MetadataFeed::writeCache(std::string_view text) const {
    if (source_.cacheFile.empty()) return;
    fs::path file(source_.cacheFile);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    auto temporary = file;
    temporary += ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) ec = std::make_error_code(std::errc::io_error);
    }
    if (!ec) fs::rename(temporary, file, ec);
    if (ec) {
        fs::remove(temporary, ec);
        log.warning("metadata_cache_not_written",
                    {{"service", source_.serviceId}, {"file", source_.cacheFile}});
    }
}

void MetadataFeed::expire(std::int64_t now) {
    auto current = catalog_.load();
    auto expired = [&](const auto& entry) {
        const auto& sp = entry.second;
        return sp.validUntil && *sp.validUntil <= now && !local_->find(entry.first);
    };
    if (std::none_of(current->providers.begin(), current->providers.end(), expired)) return;
    auto next = std::make_shared<SpCatalog>(*current);
    auto dropped = std::erase_if(next->providers, expired);
    catalog_.store(std::move(next));
    log.warning("metadata_expired", {{"service", source_.serviceId},
                                     {"url", source_.url},
                                     {"providers_dropped", std::to_string(dropped)}});
}

boost::asio::awaitable<void> refreshFeeds(
    std::function<std::vector<std::shared_ptr<MetadataFeed>>()> current,
    core::BackChannel& backChannel, core::Clock& clock) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        // The feeds of the picture in use now: after a reload, the new ones (the old picture's
        // feeds are dropped here and die with it).
        // An exception (memory) must not end the loop for the life of the process.
        try {
            for (const auto& feed : current()) {
                feed->expire(clock.nowSeconds());
                if (feed->due(clock.nowSeconds()))
                    (void)co_await feed->refresh(backChannel, clock.nowSeconds());
            }
        } catch (const std::exception& e) {
            log.error("metadata_refresh_failed", {{"error", e.what()}});
        }
        // A round a second: due() decides, so a new picture's feeds are fetched at once.
        timer.expires_after(std::chrono::seconds(1));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

}  // namespace sesame::saml
