#pragma once
// SP metadata from a URL (a federation's aggregate, or one SP's metadata it publishes itself):
// fetched through core::BackChannel, its signature verified over the whole document against a
// configured certificate, its validUntil honoured, then swapped in for every worker at once.
// A refresh that fails keeps the last good copy; that copy is also kept in a cache file, read
// (and verified again) at start, so that a restart during an outage still knows its SPs.
// One coroutine for the process (refreshFeeds) refreshes the feeds of the current
// configuration picture; check-config never fetches.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/back_channel.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/xml/saml_metadata.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace sesame::saml {

struct SpCatalog;

// Where a service's metadata comes from and how it is trusted (`metadata: { url: ... }`).
struct FeedSource {
    std::string serviceId;  // for logs and the default cache file name
    std::string url;
    std::vector<xml::Certificate> trusted;  // the document must be signed by one of them
    std::chrono::seconds refresh{std::chrono::hours(1)};
    std::string cacheFile;  // the last good copy; empty: none kept
    std::size_t maxBytes = 64 * 1024 * 1024;
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // within back_channel.timeout
};

// The SPs of a signed document, read from the very tree whose signature was verified (never
// from another parse of the text). `problem` says why nothing was read (not XML, too large,
// unsigned or signed by another key, expired); bad entities are in metadata->errors.
struct SignedMetadata {
    std::optional<xml::SpMetadata> metadata;
    std::string problem;
};
SignedMetadata readSignedMetadata(std::string_view text,
                                  const std::vector<xml::Certificate>& trusted, std::int64_t now,
                                  std::size_t maxBytes);

class MetadataFeed {
  public:
    // `local`: the SPs of the entry's files and directory, always part of the catalog (they win
    // over a fetched SP of the same entityID).
    MetadataFeed(FeedSource source, std::shared_ptr<const SpCatalog> local);

    // What requests see now; a caller keeps the copy alive while it uses an SP from it.
    std::shared_ptr<const SpCatalog> catalog() const { return catalog_.load(); }
    const FeedSource& source() const { return source_; }

    // At start: the cache file, verified again; absent or refused, only the local SPs (logged).
    void loadCache(std::int64_t now);
    // A refresh is due (now, after start; then every `refresh`, sooner after a failure).
    bool due(std::int64_t now) const { return now >= nextAttempt_.load(); }
    // Fetches, verifies and swaps in the document, then writes the cache; any failure keeps
    // the current catalog and says why in the log. Returns whether the catalog was replaced.
    boost::asio::awaitable<bool> refresh(core::BackChannel& backChannel, std::int64_t now);
    // Drops the fetched SPs whose validUntil has passed (an outage longer than the federation
    // allows its copies to be used).
    void expire(std::int64_t now);

  private:
    bool install(std::string_view text, std::int64_t now, const char* origin);
    void writeCache(std::string_view text) const;

    FeedSource source_;
    std::shared_ptr<const SpCatalog> local_;
    std::atomic<std::shared_ptr<const SpCatalog>> catalog_;
    std::atomic<std::int64_t> nextAttempt_{0};
};

// Refreshes, for as long as the process runs, the feeds that `current()` returns (those of the
// configuration picture in use, asked again on every round, so that a reload's new feeds are
// refreshed and the old ones left to die with their picture).
boost::asio::awaitable<void> refreshFeeds(
    std::function<std::vector<std::shared_ptr<MetadataFeed>>()> current,
    core::BackChannel& backChannel, core::Clock& clock);

}  // namespace sesame::saml
