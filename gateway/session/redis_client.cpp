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
#include <deque>
#include <optional>
#include <variant>

#include "gateway/core/log.hpp"
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
        : wake(executor), stream_(makeStream(executor, tls)) {}

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
    }

    RespReader reader;
    std::string out;          // commands waiting for the write loop
    asio::steady_timer wake;  // the write loop sleeps on it while `out` is empty
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

}  // namespace

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
  public:
    RedisConnection(asio::any_io_executor executor, RedisConfig config, core::CounterFamily* errors)
        : executor_(executor),
          config_(std::move(config)),
          errors_(errors),
          backoffTimer_(executor),
          log_("redis") {}

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
    asio::awaitable<error_code> connect(std::shared_ptr<Link> link);
    asio::awaitable<error_code> handshake(Link& link);
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
    State state_ = State::idle;
    std::shared_ptr<Link> link_;
    std::deque<std::shared_ptr<Request>> inFlight_;  // written, in reply order
    std::vector<std::shared_ptr<Request>> waitingForConnection_;
    asio::steady_timer backoffTimer_;
    std::string lastError_;
    core::Logger log_;
};

Result<void> RedisConnection::start() {
    if (state_ != State::idle) return {};
    if (config_.tls) {
        const RedisTls& t = *config_.tls;
        tls_.emplace(ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
        error_code ec;
        if (t.caFile.empty())
            tls_->set_default_verify_paths(ec);
        else
            tls_->load_verify_file(t.caFile, ec);
        if (ec) {
            lastError_ = "cannot load the Redis CA file " + t.caFile + ": " + ec.message();
            return RedisErrc::tls_setup_failed;
        }
        if (!t.certificate.empty()) {
            tls_->use_certificate_chain_file(t.certificate, ec);
            if (!ec) tls_->use_private_key_file(t.privateKey, ssl::context::pem, ec);
            if (ec) {
                lastError_ = "cannot load the Redis client certificate " + t.certificate + ": " +
                             ec.message();
                return RedisErrc::tls_setup_failed;
            }
        }
        // Verify the chain and the name (RFC 6125 via X509_check_host / X509_check_ip).
        tls_->set_verify_mode(ssl::verify_peer);
    }
    state_ = State::connecting;
    asio::co_spawn(executor_, run(), asio::detached);
    return {};
}

void RedisConnection::stop() {
    if (state_ == State::stopped) return;
    state_ = State::stopped;
    if (link_) link_->close("client stopped");
    backoffTimer_.cancel();
    failAll(core::Errc::unavailable);
}

asio::awaitable<void> RedisConnection::run() {
    auto self = shared_from_this();
    auto backoff = config_.reconnectMin;
    bool reported = false;  // log an outage once, not once per attempt
    while (state_ != State::stopped) {
        state_ = State::connecting;
        auto link = std::make_shared<Link>(executor_, tls_ ? &*tls_ : nullptr);
        link_ = link;
        error_code ec = co_await connect(link);
        if (state_ == State::stopped) break;
        if (!ec) {
            state_ = State::ready;
            backoff = config_.reconnectMin;
            reported = false;
            log_.info("redis_connected", {{"address", config_.address()},
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
                         {{"address", config_.address()}, {"error", lastError_}});
            reported = true;
        } else {
            countError("connect");
            if (!reported)
                log_.warning("redis_unavailable",
                             {{"address", config_.address()}, {"error", lastError_}});
            reported = true;
        }
        link->close("reconnecting");
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

asio::awaitable<error_code> RedisConnection::connect(std::shared_ptr<Link> link) {
    // One deadline for the whole attempt: resolve, connect, TLS, AUTH, SELECT, PING.
    auto resolver = std::make_shared<Tcp::resolver>(executor_);
    asio::steady_timer deadline(executor_);
    deadline.expires_after(config_.timeout);
    deadline.async_wait([link, resolver](error_code ec) {
        if (ec) return;
        resolver->cancel();
        link->close("connection attempt timed out");
    });
    struct CancelOnExit {
        asio::steady_timer& timer;
        ~CancelOnExit() { timer.cancel(); }
    } cancelOnExit{deadline};

    const std::string where = config_.address();
    auto [rec, endpoints] =
        co_await resolver->async_resolve(config_.host, std::to_string(config_.port), tupled);
    if (rec) {
        lastError_ = link->closed ? link->closeReason
                                  : "cannot resolve " + config_.host + ": " + rec.message();
        co_return core::Errc::unavailable;
    }
    auto [cec, endpoint] = co_await asio::async_connect(link->socket(), endpoints, tupled);
    if (cec) {
        lastError_ =
            link->closed ? link->closeReason : "cannot connect to " + where + ": " + cec.message();
        co_return core::Errc::unavailable;
    }
    error_code ignored;
    link->socket().set_option(Tcp::no_delay(true), ignored);
    if (auto* tls = link->tls()) {
        const std::string& name =
            config_.tls->serverName.empty() ? config_.host : config_.tls->serverName;
        // SNI carries host names only (RFC 6066 §3), never an IP literal.
        if (!isIpAddress(name)) SSL_set_tlsext_host_name(tls->native_handle(), name.c_str());
        tls->set_verify_callback(ssl::host_name_verification(name));
        auto [hec] = co_await tls->async_handshake(ssl::stream_base::client, tupled);
        if (hec) {
            lastError_ = link->closed ? link->closeReason
                                      : "TLS handshake with " + where + " (expecting " + name +
                                            ") failed: " + hec.message();
            co_return core::Errc::unavailable;
        }
    }
    co_return co_await handshake(*link);
}

asio::awaitable<error_code> RedisConnection::handshake(Link& link) {
    std::string payload;
    std::size_t expected = 0;
    if (!config_.password.empty()) {
        payload += config_.user.empty() ? formatCommand({"AUTH", config_.password})
                                        : formatCommand({"AUTH", config_.user, config_.password});
        ++expected;
    }
    if (config_.database != 0) {
        payload += formatCommand({"SELECT", std::to_string(config_.database)});
        ++expected;
    }
    payload += formatCommand({"PING"});  // proves the connection usable (NOAUTH shows here)
    ++expected;

    auto [wec, written] = co_await link.write(asio::buffer(payload));
    if (wec) {
        lastError_ = link.closed ? link.closeReason : "cannot write to Redis: " + wec.message();
        co_return core::Errc::unavailable;
    }
    std::vector<RedisReply> replies;
    std::array<char, 4096> buffer;
    while (replies.size() < expected) {
        auto next = link.reader.next();
        if (!next) {
            lastError_ = "redis protocol error: " + link.reader.lastError();
            co_return RedisErrc::protocol_error;
        }
        if (*next) {
            replies.push_back(std::move(**next));
            continue;
        }
        auto [rec, n] = co_await link.readSome(asio::buffer(buffer));
        if (rec) {
            lastError_ = link.closed
                             ? link.closeReason
                             : "redis closed the connection during the handshake: " + rec.message();
            co_return core::Errc::unavailable;
        }
        if (!link.reader.feed({buffer.data(), n})) co_return RedisErrc::protocol_error;
    }
    std::size_t i = 0;
    // Redis' error texts ("WRONGPASS invalid username-password pair") never echo the password.
    if (!config_.password.empty() && replies[i++].isError()) {
        lastError_ = "redis refused AUTH" +
                     (config_.user.empty() ? std::string{} : " for user " + config_.user) + ": " +
                     replies[i - 1].text();
        co_return RedisErrc::authentication_failed;
    }
    if (config_.database != 0 && replies[i++].isError()) {
        lastError_ = "redis refused SELECT " + std::to_string(config_.database) + ": " +
                     replies[i - 1].text();
        co_return RedisErrc::error_reply;
    }
    const RedisReply& pong = replies[i];
    if (pong.isError()) {
        bool noAuth = pong.text().rfind("NOAUTH", 0) == 0;
        lastError_ =
            noAuth ? "redis requires a password (" + pong.text() + "): set redis.password_file"
                   : "redis refused PING: " + pong.text();
        co_return noAuth ? error_code(RedisErrc::authentication_failed)
                         : error_code(RedisErrc::error_reply);
    }
    co_return error_code{};
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
