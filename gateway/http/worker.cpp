#include "gateway/http/worker.hpp"

#include <pthread.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/log.hpp"
#include "gateway/http/error.hpp"
#include "gateway/http/request_executor.hpp"
#include "gateway/http/tls.hpp"

namespace sesame::http {
namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
// How long a worker's info lines may wait: short enough that a log reader sees requests as
// they happen, long enough to carry dozens of lines per write under load.
constexpr std::chrono::milliseconds logFlushDelay{10};

constexpr auto asTuple = asio::as_tuple(asio::use_awaitable);

const core::Logger& log() {
    static const core::Logger logger("http");
    return logger;
}

void logException(std::exception_ptr e, std::string_view event) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        log().error(event, {{"what", x.what()}});
    } catch (...) {
        log().error(event, {{"what", "unknown exception"}});
    }
}

}  // namespace

Worker::Worker(std::shared_ptr<const ServerSettings> settings) : settings_(std::move(settings)) {}

Worker::~Worker() {
    if (thread_.joinable()) {
        context_.stop();
        join();
    }
    // Connections still in the loop are destroyed with context_; they must not touch it then.
    destroying_ = true;
    handler_.reset();  // the last owner may be a connection frame, destroyed with context_
}

Result<std::uint16_t> Worker::bind(const tcp::endpoint& endpoint) {
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    // Every worker binds the same address; the kernel spreads new connections among them.
    int one = 1;
    if (!ec &&
        ::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = error_code(errno, boost::system::system_category());
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        log().error("bind_failed", {{"address", endpoint.address().to_string()},
                                    {"port", std::to_string(endpoint.port())},
                                    {"reason", ec.message()}});
        return Errc::bind_failed;
    }
    return acceptor_.local_endpoint().port();
}

Result<void> Worker::loadTls(const TlsFiles& files) {
    auto context = serverTlsContext(files);
    if (!context) return context.error();
    tls_ = std::move(*context);
    return {};
}

Result<void> Worker::createHandler(const HandlerFactory& factory) {
    try {
        handler_ = factory ? factory(context_) : nullptr;
    } catch (const std::exception& e) {
        log().error("handler_factory_failed", {{"what", e.what()}});
    }
    if (!handler_) return core::Errc::internal;
    return {};
}

void Worker::run() {
    asio::co_spawn(context_, accept(),
                   [](std::exception_ptr e) { logException(e, "accept_loop_exception"); });
    thread_ = std::thread([this] { loop(); });
}

void Worker::loop() {
    pthread_setname_np(pthread_self(), "sesame-http");
    // Info lines (the access log) go out in one write per few milliseconds rather than one
    // each (core/log.hpp); warnings and errors are written at once.
    core::bufferLogLines([this] {
        logFlush_.expires_after(logFlushDelay);
        logFlush_.async_wait([](const error_code&) { core::flushLogLines(); });
    });
    // Nothing should escape a handler (every coroutine catches at its boundary); if something
    // does, the worker logs it and goes on serving rather than taking the process down.
    for (;;) {
        try {
            context_.run();
            break;
        } catch (const std::exception& e) {
            log().error("worker_exception", {{"what", e.what()}});
        }
    }
    core::bufferLogLines({});  // what the stopped loop did not flush
}

void Worker::join() {
    if (thread_.joinable() && !onThisThread()) thread_.join();
}

asio::awaitable<void> Worker::accept() {
    asio::steady_timer backoff(context_);
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(asTuple);
        if (stopping_ || !acceptor_.is_open()) co_return;
        if (ec) {
            // Out of descriptors (EMFILE) and the like: wait a little instead of spinning.
            log().warning("accept_failed", {{"reason", ec.message()}});
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(asTuple);
            continue;
        }
        // The connection runs on an executor that restores its current request id at every
        // resumption, so that even its own log lines never carry another request's id.
        auto requestId = std::make_shared<std::string>();
        asio::co_spawn(RequestExecutor(context_.get_executor(), requestId),
                       serveConnection(*this, std::move(socket), requestId),
                       [](std::exception_ptr e) { logException(e, "connection_exception"); });
    }
}

void Worker::beginStop(std::chrono::milliseconds grace) {
    core::setCurrentRequestId({});
    stopping_ = true;
    error_code ec;
    acceptor_.close(ec);
    for (auto* connection : connections_)
        if (connection->idle) connection->stream->cancel();
    if (connections_.empty()) {
        context_.stop();
        return;
    }
    deadline_.expires_after(grace);
    deadline_.async_wait([this](error_code ec) {
        if (ec) return;
        core::setCurrentRequestId({});
        log().warning("shutdown_deadline", {{"connections", std::to_string(connections_.size())}});
        // Close the sockets now: the clients learn at once, not when the server is destroyed.
        for (auto* connection : connections_) connection->stream->close();
        context_.stop();
    });
}

void Worker::leave(LiveConnection& connection) {
    connections_.erase(&connection);
    if (stopping_ && !destroying_ && connections_.empty()) context_.stop();
}

}  // namespace sesame::http
