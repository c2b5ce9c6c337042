#pragma once
// An asynchronous Redis client on one Asio executor, with C++20 coroutines.
//
// Why not hiredis' async context: Debian 12 ships hiredis 0.14.1, whose async API has no TLS.
// Sesame uses hiredis only to format commands and parse replies (resp.hpp) and carries the bytes
// over an Asio tcp::socket or ssl::stream itself.
//
// Threading: a RedisClient belongs to ONE thread, the one running its executor (Sesame has one
// client per worker io_context). Every member function, the destructor included, must be called
// from that thread; nothing here is locked.
//
// Behaviour:
// - Pipelining: any number of coroutines may issue commands at once on the one connection; the
//   bytes are written in batches and replies are matched to callers in FIFO order.
// - On connect: TLS handshake (optional), AUTH [user] password, SELECT database, PING.
// - Every call has a deadline (config.timeout). A command that times out resets the connection,
//   because every reply queued behind it would be late too.
// - While Redis is unreachable, calls fail at once with core::Errc::unavailable (nothing is queued
//   for later); the client reconnects in the background with an exponential back-off bounded by
//   config.reconnectMax, so service comes back by itself when Redis does.
// - With config.sentinel (Redis Sentinel): each connection attempt asks the sentinels in turn for
//   the master (SENTINEL get-master-addr-by-name) and uses it only if its ROLE says master (a
//   sentinel's answer may be stale). The client follows a failover without a restart: a
//   +switch-master announcement (a subscription on one sentinel, kept by this client), a READONLY
//   reply (returned to the caller as unavailable) or a lost connection closes the connection and
//   the next attempt looks the master up again.
// - The password is never logged, nor put in lastError().
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "gateway/core/metrics.hpp"
#include "gateway/core/result.hpp"
#include "gateway/session/redis_config.hpp"
#include "gateway/session/redis_errc.hpp"
#include "gateway/session/redis_reply.hpp"

namespace sesame::session {

class RedisConnection;

class RedisClient {
  public:
    using Command = std::vector<std::string>;  // {"SET", key, value, "EX", "30"}

    // `errors` (optional, e.g. SesameMetrics::redisErrors) counts failed calls by operation:
    // the command name in lower case ("get", "getdel", "multi:set"...) or "connect".
    RedisClient(boost::asio::any_io_executor executor, RedisConfig config,
                core::CounterFamily* errors = nullptr);
    ~RedisClient();  // stop()
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    // Loads the TLS material (RedisErrc::tls_setup_failed if it cannot) and starts connecting in
    // the background. Calls made before the first attempt ends wait for it (within the timeout).
    Result<void> start();
    // Closes the connection; pending and later calls fail with unavailable.
    void stop();

    // One command. A Redis error reply is a successful call whose reply isError().
    boost::asio::awaitable<Result<RedisReply>> command(Command args);
    // Several commands written together; one reply per command, in order.
    boost::asio::awaitable<Result<std::vector<RedisReply>>> pipeline(std::vector<Command> commands);
    // MULTI ... EXEC in one round trip: the replies of the commands (EXEC's array).
    // RedisErrc::error_reply if Redis refused the transaction (EXECABORT).
    boost::asio::awaitable<Result<std::vector<RedisReply>>> transaction(
        std::vector<Command> commands);

    bool connected() const;
    // Why the last connection attempt or connection failed, for /readyz and logs; with sentinels,
    // what each sentinel and master tried answered.
    std::string lastError() const;
    const RedisConfig& config() const;

  private:
    std::shared_ptr<RedisConnection> connection_;
};

}  // namespace sesame::session
