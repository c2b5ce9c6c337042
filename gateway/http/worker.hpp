#pragma once
// One worker of the Server (internal to gateway/http): an io_context run by one thread, an
// acceptor on the shared address, a TLS context and the application's handler. Everything in
// here is touched by its own thread only, so nothing on the request path takes a lock.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <thread>
#include <unordered_set>

#include "gateway/http/exchange.hpp"
#include "gateway/http/server.hpp"

namespace sesame::http {

// Read-only after start, shared by every worker.
struct ServerSettings {
    ServerConfig config;
    ResponseEncoder encoder;
    RequestObserver observer;
};

// What a graceful stop needs to know of a connection: whether it is between requests (idle,
// may be closed now) and how to cancel what it waits for.
struct LiveConnection {
    boost::beast::tcp_stream* stream = nullptr;
    bool idle = true;
};

class Worker {
  public:
    explicit Worker(std::shared_ptr<const ServerSettings> settings);
    ~Worker();

    Result<std::uint16_t> bind(const boost::asio::ip::tcp::endpoint& endpoint);
    Result<void> loadTls(const TlsFiles& files);
    // On the worker's thread: connections accepted from now on use `context`; open ones keep
    // the context they were made with (each holds a reference).
    void useTls(std::shared_ptr<boost::asio::ssl::context> context) { tls_ = std::move(context); }
    Result<void> createHandler(const HandlerFactory& factory);
    void run();   // starts accepting, on a new thread
    void join();  // waits for that thread (not from itself)
    bool onThisThread() const { return std::this_thread::get_id() == thread_.get_id(); }

    // On the worker's thread: close the acceptor and idle connections, then stop the loop once
    // the last connection has gone or `grace` has passed.
    void beginStop(std::chrono::milliseconds grace);

    boost::asio::io_context& context() { return context_; }
    const ServerSettings& settings() const { return *settings_; }
    const std::shared_ptr<RequestHandler>& handler() const { return handler_; }
    const std::shared_ptr<boost::asio::ssl::context>& tls() const { return tls_; }
    bool stopping() const { return stopping_; }
    void enroll(LiveConnection& connection) { connections_.insert(&connection); }
    void leave(LiveConnection& connection);

  private:
    boost::asio::awaitable<void> accept();
    void loop();

    std::shared_ptr<const ServerSettings> settings_;
    std::unordered_set<LiveConnection*> connections_;
    bool stopping_ = false;
    bool destroying_ = false;
    // Shared with the connections made with it, so that a reload (SIGHUP) never frees the
    // context of a stream still open.
    std::shared_ptr<boost::asio::ssl::context> tls_;
    boost::asio::io_context context_{1};
    boost::asio::ip::tcp::acceptor acceptor_{context_};
    boost::asio::steady_timer deadline_{context_};
    boost::asio::steady_timer logFlush_{context_};  // batched log lines (core/log.hpp)
    std::shared_ptr<RequestHandler> handler_;
    std::thread thread_;
};

// Serves one accepted connection until it closes (connection.cpp). `requestId` is the id of the
// request being served (empty between requests), read by the connection's executor.
boost::asio::awaitable<void> serveConnection(Worker& worker, boost::asio::ip::tcp::socket socket,
                                             std::shared_ptr<std::string> requestId);

}  // namespace sesame::http
