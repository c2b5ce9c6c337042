#include "gateway/session/redis_client.hpp"

#include "gateway/core/text.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cstdint>
#include <deque>
#include <optional>
#include <variant>

#include "gateway/core/log.hpp"
#include "gateway/session/redis_sentinel.hpp"
#include "gateway/session/resp.hpp"

namespace sesame::session {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using Tcp = asio::ip::tcp;
using TlsStream = ssl::stream<Tcp::socket>;
constexpr auto tupled = asio::as_tuple(asio::use_awaitable);

namespace {

// One TCP or TLS connection, shared by its read loop, its write loop and the connect deadline;
// freed when the last of them lets go, so no operation outlives its socket.
class Link {
  public:
    Link(asio::any_io_executor executor, ssl::context* tls)
        : wake(executor), resolver(executor), stream_(makeStream(executor, tls)) {}

    Tcp::socket& socket() {
        if (auto* s = std::get_if<Tcp::socket>(&stream_)) return *s;
        return std::get<TlsStream>(stream_).next_layer();
    }
    TlsStream* tls() { return std::get_if<TlsStream>(&stream_); }

    asio::awaitable<std::tuple<error_code, std::size_t>> write(asio::const_buffer bytes) {
        return std::visit([&](auto& s) { return asio::async_write(s, bytes, tupled); }, stream_);
    }
    asio::awaitable<std::tuple<error_code, std::size_t>> readSome(asio::mutable_buffer bytes) {
        return std::visit([&](auto& s) { return s.async_read_some(bytes, tupled); }, stream_);
    }
    void close(std::string reason) {
        if (closed) return;
        closed = true;
        closeReason = std::move(reason);
        error_code ignored;
        socket().shutdown(Tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
        wake.cancel();
        resolver.cancel();
    }

    RespReader reader;
    std::string out;          // commands waiting for the write loop
    asio::steady_timer wake;  // the write loop sleeps on it while `out` is empty
    Tcp::resolver resolver;
    bool closed = false;
    std::string closeReason;

  private:
    using Stream = std::variant<Tcp::socket, TlsStream>;
    static Stream makeStream(asio::any_io_executor executor, ssl::context* tls) {
        if (tls) return Stream(std::in_place_type<TlsStream>, executor, *tls);
        return Stream(std::in_place_type<Tcp::socket>, executor);
    }
    Stream stream_;
};

// A caller waiting for its replies. `signal` doubles as the deadline: it expires at the timeout
// and is cancelled early when the replies (or a failure) arrive.
struct Request {
    explicit Request(asio::any_io_executor executor) : signal(executor) {}
    std::string payload;
    std::size_t expected = 0;
    std::vector<RedisReply> replies;
    error_code error;
    bool done = false;
    bool abandoned = false;  // the caller timed out; late replies are read and dropped
    asio::steady_timer signal;
};

bool isIpAddress(const std::string& name) {
    error_code ec;
    asio::ip::make_address(name, ec);
    return !ec;
}

// Closes `link` (which cancels its resolver) if an attempt is not over by `timeout`.
class AttemptDeadline {
  public:
    AttemptDeadline(asio::any_io_executor executor, std::shared_ptr<Link> link,
                    std::chrono::milliseconds timeout)
        : timer_(executor), running_(std::make_shared<bool>(true)) {
        timer_.expires_after(timeout);
        // cancel() cannot recall a handler already queued (the timer expired just as the
        // handshake succeeded): the flag tells it the attempt is over and the link is good.
        // Both run on the client's one event-loop thread.
        timer_.async_wait([link, running = running_](error_code ec) {
            if (!ec && *running) link->close("connection attempt timed out");
        });
    }
    ~AttemptDeadline() {
        *running_ = false;
        timer_.cancel();
    }
    AttemptDeadline(const AttemptDeadline&) = delete;
    AttemptDeadline& operator=(const AttemptDeadline&) = delete;

  private:
    asio::steady_timer timer_;
    std::shared_ptr<bool> running_;
};

// Loads a TLS client context; on failure, says why in `why`.
std::optional<ssl::context> loadTls(const RedisTls& t, const std::string& whose, std::string& why) {
    ssl::context context(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (t.caFile.empty())
        context.set_default_verify_paths(ec);
    else
        context.load_verify_file(t.caFile, ec);
    if (ec) {
        why = "cannot load the " + whose + " CA file " + t.caFile + ": " + ec.message();
        return std::nullopt;
    }
    if (!t.certificate.empty()) {
        context.use_certificate_chain_file(t.certificate, ec);
        if (!ec) context.use_private_key_file(t.privateKey, ssl::context::pem, ec);
        if (ec) {
            why = "cannot load the " + whose + " client certificate " + t.certificate + ": " +
                  ec.message();
            return std::nullopt;
        }
    }
    // Verify the chain and the name (RFC 6125 via X509_check_host / X509_check_ip).
    context.set_verify_mode(ssl::verify_peer);
    return context;
}

// The AUTH command for a user (optional) and password; nothing without a password.
std::vector<RedisClient::Command> authCommand(const std::string& user,
                                              const std::string& password) {
    if (password.empty()) return {};
    if (user.empty()) return {{"AUTH", password}};
    return {{"AUTH", user, password}};
}

}  // namespace

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
  public:
    RedisConnection(asio::any_io_executor executor, RedisConfig config, core::CounterFamily* errors)
        : executor_(executor),
          config_(std::move(config)),
          errors_(errors),
          master_{config_.host, config_.port},
          backoffTimer_(executor),
          watchTimer_(executor),
          log_("redis") {
        if (config_.sentinel) sentinels_ = config_.sentinel->addresses;
    }

    Result<void> start();
    void stop();
    asio::awaitable<Result<std::vector<RedisReply>>> execute(std::string payload,
                                                             std::size_t expected,
                                                             std::string operation);
    bool connected() const { return state_ == State::ready; }
    const std::string& lastError() const { return lastError_; }
    const RedisConfig& config() const { return config_; }

  private:
    enum class State { idle, connecting, ready, backoff, stopped };

    asio::awaitable<void> run();
    asio::awaitable<std::shared_ptr<Link>> establish();
    asio::awaitable<std::shared_ptr<Link>> connectToMaster(const std::string& via);
    asio::awaitable<std::optional<RedisEndpoint>> askSentinel(const RedisEndpoint& sentinel);
    // These three say what went wrong in `why`: lastError_ for the data connection, a string of
    // its own for the +switch-master subscription.
    asio::awaitable<error_code> open(Link& link, const RedisEndpoint& where,
                                     const std::optional<RedisTls>& tls, const std::string& what,
                                     std::string& why);
    asio::awaitable<Result<std::vector<RedisReply>>> roundTrip(
        Link& link, const std::vector<RedisClient::Command>& commands, const std::string& what,
        std::string& why);
    asio::awaitable<Result<RedisReply>> readReply(Link& link, const std::string& what,
                                                  std::string& why);
    asio::awaitable<error_code> handshake(Link& link, const std::string& what);
    asio::awaitable<void> watchSwitches();
    asio::awaitable<void> subscribe(const RedisEndpoint& sentinel);
    asio::awaitable<void> pingWatch(std::shared_ptr<Link> link,
                                    std::shared_ptr<const std::uint64_t> heard);
    void onSwitchMaster(const RedisEndpoint& sentinel, const RedisEndpoint& master);
    std::shared_ptr<Link> newLink(std::optional<ssl::context>& tls) {
        return std::make_shared<Link>(executor_, tls ? &*tls : nullptr);
    }
    asio::awaitable<void> readLoop(std::shared_ptr<Link> link);
    asio::awaitable<void> writeLoop(std::shared_ptr<Link> link);
    void send(const std::shared_ptr<Request>& request);
    bool deliver(RedisReply reply);
    void complete(Request& request, error_code error);
    void failAll(error_code error);
    void countError(const std::string& operation) {
        if (errors_) errors_->inc({operation});
    }

    asio::any_io_executor executor_;
    RedisConfig config_;
    core::CounterFamily* errors_;
    std::optional<ssl::context> tls_;
    std::optional<ssl::context> sentinelTls_;
    std::vector<RedisEndpoint> sentinels_;  // asked in this order; the last to answer first
    RedisEndpoint master_;                  // the address given, or the one sentinels gave
    State state_ = State::idle;
    std::shared_ptr<Link> link_;
    std::shared_ptr<Link> watchLink_;                // the +switch-master subscription
    std::deque<std::shared_ptr<Request>> inFlight_;  // written, in reply order
    std::vector<std::shared_ptr<Request>> waitingForConnection_;
    asio::steady_timer backoffTimer_;
    asio::steady_timer watchTimer_;
    std::string lastError_;
    core::Logger log_;
};

Result<void> RedisConnection::start() {
    if (state_ != State::idle) return {};
    if (config_.tls) {
        tls_ = loadTls(*config_.tls, "Redis", lastError_);
        if (!tls_) return RedisErrc::tls_setup_failed;
    }
    if (config_.sentinel && config_.sentinel->tls) {
        sentinelTls_ = loadTls(*config_.sentinel->tls, "Sentinel", lastError_);
        if (!sentinelTls_) return RedisErrc::tls_setup_failed;
    }
    state_ = State::connecting;
    asio::co_spawn(executor_, run(), asio::detached);
    if (config_.sentinel) asio::co_spawn(executor_, watchSwitches(), asio::detached);
    return {};
}

void RedisConnection::stop() {
    if (state_ == State::stopped) return;
    state_ = State::stopped;
    if (link_) link_->close("client stopped");
    if (watchLink_) watchLink_->close("client stopped");
    backoffTimer_.cancel();
    watchTimer_.cancel();
    failAll(core::Errc::unavailable);
}

asio::awaitable<void> RedisConnection::run() {
    auto self = shared_from_this();
    auto backoff = config_.reconnectMin;
    bool reported = false;  // log an outage once, not once per attempt
    while (state_ != State::stopped) {
        state_ = State::connecting;
        auto link = co_await establish();
        if (state_ == State::stopped) break;
        if (link) {
            link_ = link;
            state_ = State::ready;
            backoff = config_.reconnectMin;
            reported = false;
            log_.info("redis_connected", {{"address", master_.text()},
                                          {"database", std::to_string(config_.database)},
                                          {"tls", config_.tls ? "yes" : "no"}});
            auto waiting = std::move(waitingForConnection_);
            waitingForConnection_.clear();
            for (auto& request : waiting)
                if (!request->abandoned) send(request);
            asio::co_spawn(executor_, writeLoop(link), asio::detached);
            co_await readLoop(link);
            if (state_ == State::stopped) break;
            log_.warning("redis_connection_lost",
                         {{"address", master_.text()}, {"error", lastError_}});
            reported = true;
            link->close("reconnecting");
        } else {
            countError("connect");
            if (!reported)
                log_.warning(
                    "redis_unavailable",
                    {{"address", config_.sentinel ? "sentinel " + config_.sentinel->masterName
                                                  : master_.text()},
                     {"error", lastError_}});
            reported = true;
        }
        state_ = State::backoff;
        failAll(core::Errc::unavailable);
        backoffTimer_.expires_after(backoff);
        co_await backoffTimer_.async_wait(tupled);
        backoff = std::min(backoff * 2, config_.reconnectMax);
    }
    if (link_) link_->close("client stopped");
    link_.reset();
    failAll(core::Errc::unavailable);
}

// One connection attempt: to the configured address, or to the master the sentinels name, asked
// in turn until one names a server that is reachable and says it is the master.
asio::awaitable<std::shared_ptr<Link>> RedisConnection::establish() {
    // Arguments built outside co_await: g++ 12 destroys temporaries in it twice.
    const std::string none;
    if (!config_.sentinel) co_return co_await connectToMaster(none);
    std::string problems;
    for (std::size_t i = 0; i < sentinels_.size() && state_ != State::stopped; ++i) {
        const RedisEndpoint sentinel = sentinels_[i];
        auto master = co_await askSentinel(sentinel);
        if (master) {
            master_ = *master;
            const std::string via = " (given by sentinel " + sentinel.text() + ")";
            if (auto link = co_await connectToMaster(via)) {
                preferSentinel(sentinels_, i);
                co_return link;
            }
        }
        problems += (problems.empty() ? "" : "; ") + lastError_;
    }
    lastError_ =
        "no sentinel named a usable master '" + config_.sentinel->masterName + "': " + problems;
    co_return nullptr;
}

asio::awaitable<std::shared_ptr<Link>> RedisConnection::connectToMaster(const std::string& via) {
    auto link = newLink(tls_);
    link_ = link;
    AttemptDeadline deadline(executor_, link, config_.timeout);
    // Messages as before Sentinel for one address ("cannot connect to 127.0.0.1:6379: ...",
    // "redis refused AUTH"); with sentinels, which master and which sentinel named it.
    const std::string what =
        config_.sentinel ? "redis master " + master_.text() + via : master_.text();
    error_code ec = co_await open(*link, master_, config_.tls, what, lastError_);
    const std::string who = config_.sentinel ? what : "redis";
    if (!ec) ec = co_await handshake(*link, who);
    if (ec) {
        link->close("failed");
        co_return nullptr;
    }
    co_return link;
}

asio::awaitable<std::optional<RedisEndpoint>> RedisConnection::askSentinel(
    const RedisEndpoint& sentinel) {
    const RedisSentinel& config = *config_.sentinel;
    auto link = newLink(sentinelTls_);
    link_ = link;  // stop() closes it
    AttemptDeadline deadline(executor_, link, config_.timeout);
    const std::string what = "sentinel " + sentinel.text();
    std::optional<RedisEndpoint> master;
    if (!co_await open(*link, sentinel, config.tls, what, lastError_)) {
        auto commands = authCommand(config.user, config.password);
        commands.push_back({"SENTINEL", "get-master-addr-by-name", config.masterName});
        auto replies = co_await roundTrip(*link, commands, what, lastError_);
        if (replies && commands.size() == 2 && replies->front().isError()) {
            // Redis' error texts ("WRONGPASS ...") never echo the password.
            lastError_ = what + " refused AUTH: " + replies->front().text();
        } else if (replies) {
            auto answer = readMasterAddress(replies->back());
            if (!answer.master) lastError_ = what + " " + answer.problem;
            master = answer.master;
        }
    }
    link->close("asked");
    co_return master;
}

asio::awaitable<error_code> RedisConnection::open(Link& link, const RedisEndpoint& where,
                                                  const std::optional<RedisTls>& tlsConfig,
                                                  const std::string& what, std::string& why) {
    const std::string port = std::to_string(where.port);
    auto [rec, endpoints] = co_await link.resolver.async_resolve(where.host, port, tupled);
    if (rec) {
        why = link.closed ? what + ": " + link.closeReason
                          : "cannot resolve " + where.host + " (" + what + "): " + rec.message();
        co_return core::Errc::unavailable;
    }
    auto [cec, endpoint] = co_await asio::async_connect(link.socket(), endpoints, tupled);
    if (cec) {
        why = link.closed ? what + ": " + link.closeReason
                          : "cannot connect to " + what + ": " + cec.message();
        co_return core::Errc::unavailable;
    }
    error_code ignored;
    link.socket().set_option(Tcp::no_delay(true), ignored);
    if (auto* tls = link.tls()) {
        const std::string& name =
            tlsConfig->serverName.empty() ? where.host : tlsConfig->serverName;
        // SNI carries host names only (RFC 6066 §3), never an IP literal.
        if (!isIpAddress(name)) SSL_set_tlsext_host_name(tls->native_handle(), name.c_str());
        tls->set_verify_callback(ssl::host_name_verification(name));
        auto [hec] = co_await tls->async_handshake(ssl::stream_base::client, tupled);
        if (hec) {
            why = link.closed ? what + ": " + link.closeReason
                              : "TLS handshake with " + what + " (expecting " + name +
                                    ") failed: " + hec.message();
            co_return core::Errc::unavailable;
        }
    }
    co_return error_code{};
}

asio::awaitable<Result<RedisReply>> RedisConnection::readReply(Link& link, const std::string& what,
                                                               std::string& why) {
    std::array<char, 4096> buffer;
    for (;;) {
        auto next = link.reader.next();
        if (!next) {
            why = "protocol error from " + what + ": " + link.reader.lastError();
            co_return RedisErrc::protocol_error;
        }
        if (*next) co_return std::move(**next);
        auto [rec, n] = co_await link.readSome(asio::buffer(buffer));
        if (rec) {
            why = link.closed ? what + ": " + link.closeReason
                              : what + " closed the connection: " + rec.message();
            co_return core::Errc::unavailable;
        }
        if (!link.reader.feed({buffer.data(), n})) {
            why = "protocol error from " + what + ": " + link.reader.lastError();
            co_return RedisErrc::protocol_error;
        }
    }
}

asio::awaitable<Result<std::vector<RedisReply>>> RedisConnection::roundTrip(
    Link& link, const std::vector<RedisClient::Command>& commands, const std::string& what,
    std::string& why) {
    std::string payload;
    for (const auto& c : commands) payload += formatCommand(c);
    auto [wec, written] = co_await link.write(asio::buffer(payload));
    if (wec) {
        why = link.closed ? what + ": " + link.closeReason
                          : "cannot write to " + what + ": " + wec.message();
        co_return core::Errc::unavailable;
    }
    std::vector<RedisReply> replies;
    while (replies.size() < commands.size()) {
        auto reply = co_await readReply(link, what, why);
        if (!reply) co_return reply.error();
        replies.push_back(std::move(*reply));
    }
    co_return replies;
}

asio::awaitable<error_code> RedisConnection::handshake(Link& link, const std::string& what) {
    auto commands = authCommand(config_.user, config_.password);
    const bool auth = !commands.empty();
    if (config_.database != 0) commands.push_back({"SELECT", std::to_string(config_.database)});
    commands.push_back({"PING"});  // proves the connection usable (NOAUTH shows here)
    // A sentinel's answer may be stale: only the server itself knows it is the master.
    if (config_.sentinel) commands.push_back({"ROLE"});
    auto replies = co_await roundTrip(link, commands, what, lastError_);
    if (!replies) co_return replies.error();
    std::size_t i = 0;
    // Redis' error texts ("WRONGPASS invalid username-password pair") never echo the password.
    if (auth && (*replies)[i++].isError()) {
        lastError_ = what + " refused AUTH" +
                     (config_.user.empty() ? std::string{} : " for user " + config_.user) + ": " +
                     (*replies)[i - 1].text();
        co_return RedisErrc::authentication_failed;
    }
    if (config_.database != 0 && (*replies)[i++].isError()) {
        lastError_ = what + " refused SELECT " + std::to_string(config_.database) + ": " +
                     (*replies)[i - 1].text();
        co_return RedisErrc::error_reply;
    }
    const RedisReply& pong = (*replies)[i++];
    if (pong.isError()) {
        bool noAuth = pong.text().rfind("NOAUTH", 0) == 0;
        lastError_ =
            noAuth ? what + " requires a password (" + pong.text() + "): set redis.password_file"
                   : what + " refused PING: " + pong.text();
        co_return noAuth ? error_code(RedisErrc::authentication_failed)
                         : error_code(RedisErrc::error_reply);
    }
    if (config_.sentinel && !isMasterRole((*replies)[i])) {
        const RedisReply& role = (*replies)[i];
        lastError_ = what + " is not the master (ROLE " +
                     (role.isError()            ? role.text()
                      : role.elements().empty() ? describe(role)
                                                : role.elements().front().text()) +
                     ")";
        co_return core::Errc::unavailable;
    }
    co_return error_code{};
}

// The +switch-master subscription: one sentinel at a time, the next one when it goes away. The
// client moves as soon as the sentinels announce a new master, without waiting for the old
// one to fail a call.
asio::awaitable<void> RedisConnection::watchSwitches() {
    auto self = shared_from_this();
    while (state_ != State::stopped) {
        const auto sentinels = sentinels_;
        for (const auto& sentinel : sentinels) {
            if (state_ == State::stopped) co_return;
            co_await subscribe(sentinel);
        }
        // Every sentinel is unreachable: the connection's own lookups report it; try again later.
        watchTimer_.expires_after(config_.reconnectMax);
        co_await watchTimer_.async_wait(tupled);
    }
}

asio::awaitable<void> RedisConnection::subscribe(const RedisEndpoint& sentinel) {
    const RedisSentinel& config = *config_.sentinel;
    auto link = newLink(sentinelTls_);
    watchLink_ = link;
    const std::string what = "sentinel " + sentinel.text();
    std::string why;  // lastError_ describes the data connection
    {
        AttemptDeadline deadline(executor_, link, config_.timeout);
        error_code ec = co_await open(*link, sentinel, config.tls, what, why);
        if (!ec) {
            auto commands = authCommand(config.user, config.password);
            commands.push_back({"SUBSCRIBE", "+switch-master"});
            auto replies = co_await roundTrip(*link, commands, what, why);
            if (!replies || replies->front().isError()) ec = core::Errc::unavailable;
        }
        if (ec || link->closed) {
            link->close("failed");
            co_return;
        }
    }
    auto heard = std::make_shared<std::uint64_t>(0);
    asio::co_spawn(executor_, pingWatch(link, heard), asio::detached);
    for (;;) {
        auto message = co_await readReply(*link, what, why);
        if (!message || state_ == State::stopped) break;
        ++*heard;  // a PONG as well as an announcement
        if (auto master = readSwitchMaster(*message, config.masterName))
            onSwitchMaster(sentinel, *master);
    }
    if (state_ != State::stopped)
        log_.info("redis_sentinel_watch_lost", {{"sentinel", sentinel.text()}, {"error", why}});
    link->close("watch lost");
}

// A sentinel that goes silent without closing the connection (its host powered off, a network
// partition, a frozen process) would leave the watch waiting for ever and the next failover
// unnoticed until a call fails. A subscribed connection answers PING (RESP2): one every
// `timeout`, and the watch moves to the next sentinel when nothing at all came back within
// `timeout` of it. TCP keepalive would not do: the kernel of a frozen sentinel still answers it.
asio::awaitable<void> RedisConnection::pingWatch(std::shared_ptr<Link> link,
                                                 std::shared_ptr<const std::uint64_t> heard) {
    auto self = shared_from_this();
    const std::string ping = formatCommand({"PING"});
    while (!link->closed && state_ != State::stopped) {
        link->wake.expires_after(config_.timeout);  // close() cancels it
        co_await link->wake.async_wait(tupled);
        if (link->closed || state_ == State::stopped) co_return;
        const auto before = *heard;
        auto [ec, written] = co_await link->write(asio::buffer(ping));
        if (ec) co_return;  // the watch's read fails too, and says why
        link->wake.expires_after(config_.timeout);
        co_await link->wake.async_wait(tupled);
        if (!link->closed && *heard == before)
            link->close("no answer to PING within " + std::to_string(config_.timeout.count()) +
                        " ms");
    }
}

void RedisConnection::onSwitchMaster(const RedisEndpoint& sentinel, const RedisEndpoint& master) {
    log_.info("redis_switch_master", {{"master_name", config_.sentinel->masterName},
                                      {"from", master_.text()},
                                      {"to", master.text()},
                                      {"sentinel", sentinel.text()}});
    // That sentinel knows the new master for sure: ask it first.
    auto known = std::find(sentinels_.begin(), sentinels_.end(), sentinel);
    if (known != sentinels_.end())
        preferSentinel(sentinels_, static_cast<std::size_t>(known - sentinels_.begin()));
    if (state_ == State::ready && link_ && master != master_)
        link_->close("sentinel " + sentinel.text() + " announced the new master " + master.text());
    if (state_ == State::backoff) backoffTimer_.cancel();  // look up now, not after the back-off
}

asio::awaitable<void> RedisConnection::readLoop(std::shared_ptr<Link> link) {
    std::array<char, 16384> buffer;
    for (;;) {
        auto [ec, n] = co_await link->readSome(asio::buffer(buffer));
        if (ec) {
            lastError_ = link->closed             ? link->closeReason
                         : ec == asio::error::eof ? "redis closed the connection"
                                                  : "redis connection lost: " + ec.message();
            co_return;
        }
        if (!link->reader.feed({buffer.data(), n})) break;
        for (;;) {
            auto next = link->reader.next();
            if (!next) {
                lastError_ = "redis protocol error: " + link->reader.lastError();
                co_return;
            }
            if (!*next) break;
            if (!deliver(std::move(**next))) {
                lastError_ = "redis sent a reply nobody asked for";
                co_return;
            }
        }
    }
    lastError_ = "redis protocol error: " + link->reader.lastError();
}

asio::awaitable<void> RedisConnection::writeLoop(std::shared_ptr<Link> link) {
    auto self = shared_from_this();
    while (!link->closed) {
        if (link->out.empty()) {
            link->wake.expires_at(asio::steady_timer::time_point::max());
            co_await link->wake.async_wait(tupled);
            continue;
        }
        // Everything queued since the last write goes out in one write: pipelining.
        std::string bytes;
        bytes.swap(link->out);
        auto [ec, n] = co_await link->write(asio::buffer(bytes));
        if (ec) link->close("cannot write to Redis: " + ec.message());
    }
}

void RedisConnection::send(const std::shared_ptr<Request>& request) {
    link_->out += request->payload;
    request->payload.clear();
    inFlight_.push_back(request);
    link_->wake.cancel();
}

bool RedisConnection::deliver(RedisReply reply) {
    if (inFlight_.empty()) return false;
    auto& request = *inFlight_.front();
    request.replies.push_back(std::move(reply));
    if (request.replies.size() < request.expected) return true;
    auto finished = std::move(inFlight_.front());
    inFlight_.pop_front();
    // With sentinels, READONLY means the master was demoted under us: the caller gets the
    // outage answer, and the connection goes so that the next attempt asks the sentinels again.
    const auto& replies = finished->replies;
    if (config_.sentinel && std::any_of(replies.begin(), replies.end(), isReadOnlyError)) {
        complete(*finished, core::Errc::unavailable);
        link_->close("redis master " + master_.text() + " became a replica (READONLY)");
        return true;
    }
    complete(*finished, {});
    return true;
}

void RedisConnection::complete(Request& request, error_code error) {
    if (request.done) return;
    request.done = true;
    request.error = error;
    request.signal.cancel();
}

void RedisConnection::failAll(error_code error) {
    auto inFlight = std::move(inFlight_);
    inFlight_.clear();
    auto waiting = std::move(waitingForConnection_);
    waitingForConnection_.clear();
    for (auto& r : inFlight) complete(*r, error);
    for (auto& r : waiting) complete(*r, error);
}

asio::awaitable<Result<std::vector<RedisReply>>> RedisConnection::execute(std::string payload,
                                                                          std::size_t expected,
                                                                          std::string operation) {
    auto self = shared_from_this();
    // Fail fast while disconnected: a caller never waits for an outage to end.
    if (state_ != State::ready && state_ != State::connecting) {
        countError(operation);
        co_return core::Errc::unavailable;
    }
    auto request = std::make_shared<Request>(executor_);
    request->payload = std::move(payload);
    request->expected = expected;
    request->signal.expires_after(config_.timeout);
    if (state_ == State::ready)
        send(request);
    else
        waitingForConnection_.push_back(request);

    co_await request->signal.async_wait(tupled);
    if (request->done) {
        if (request->error) {
            countError(operation);
            co_return request->error;
        }
        co_return std::move(request->replies);
    }
    request->abandoned = true;
    countError(operation);
    auto waiting = std::find(waitingForConnection_.begin(), waitingForConnection_.end(), request);
    if (waiting != waitingForConnection_.end()) {
        waitingForConnection_.erase(waiting);
        co_return core::Errc::unavailable;  // the connection attempt did not succeed in time
    }
    // Replies come in order: one that is late holds up all behind it, so start afresh.
    if (link_ && state_ == State::ready) {
        lastError_ =
            "no reply from redis within " + std::to_string(config_.timeout.count()) + " ms";
        link_->close(lastError_);
    }
    co_return core::Errc::timeout;
}

// RedisClient: a handle that stops its connection when it goes away.

RedisClient::RedisClient(asio::any_io_executor executor, RedisConfig config,
                         core::CounterFamily* errors)
    : connection_(std::make_shared<RedisConnection>(executor, std::move(config), errors)) {}

RedisClient::~RedisClient() {
    connection_->stop();
}

Result<void> RedisClient::start() {
    return connection_->start();
}
void RedisClient::stop() {
    connection_->stop();
}
bool RedisClient::connected() const {
    return connection_->connected();
}
std::string RedisClient::lastError() const {
    return connection_->lastError();
}
const RedisConfig& RedisClient::config() const {
    return connection_->config();
}

namespace {
bool anyEmpty(const std::vector<RedisClient::Command>& commands) {
    return std::any_of(commands.begin(), commands.end(), [](const auto& c) { return c.empty(); });
}
}  // namespace

asio::awaitable<Result<RedisReply>> RedisClient::command(Command args) {
    if (args.empty()) co_return core::Errc::invalid_argument;
    std::string operation = core::toLower(args.front());
    auto replies = co_await connection_->execute(formatCommand(args), 1, std::move(operation));
    if (!replies) co_return replies.error();
    co_return std::move(replies->front());
}

asio::awaitable<Result<std::vector<RedisReply>>> RedisClient::pipeline(
    std::vector<Command> commands) {
    if (commands.empty()) co_return std::vector<RedisReply>{};
    if (anyEmpty(commands)) co_return core::Errc::invalid_argument;
    std::string payload;
    for (const auto& c : commands) payload += formatCommand(c);
    co_return co_await connection_->execute(std::move(payload), commands.size(),
                                            core::toLower(commands.front().front()));
}

asio::awaitable<Result<std::vector<RedisReply>>> RedisClient::transaction(
    std::vector<Command> commands) {
    if (commands.empty()) co_return std::vector<RedisReply>{};
    if (anyEmpty(commands)) co_return core::Errc::invalid_argument;
    std::string payload = formatCommand({"MULTI"});
    for (const auto& c : commands) payload += formatCommand(c);
    payload += formatCommand({"EXEC"});
    auto replies =
        co_await connection_->execute(std::move(payload), commands.size() + 2,
                                      "multi:" + core::toLower(commands.front().front()));
    if (!replies) co_return replies.error();
    RedisReply& exec = replies->back();
    if (!exec.isArray()) co_return RedisErrc::error_reply;  // EXECABORT, or nil (WATCH)
    co_return exec.elements();
}

}  // namespace sesame::session
