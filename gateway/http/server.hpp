#pragma once
// The HTTP/1.1 server: thread-per-core workers, each with its own io_context, thread, acceptor
// (SO_REUSEPORT on one address) and request handler, so that everything a request touches is
// single-threaded and lock-free. Beast messages are turned into core::HttpRequest/HttpResponse
// at the edge (exchange.hpp); nothing past this file sees a Beast type.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "gateway/core/http_message.hpp"
#include "gateway/core/result.hpp"
#include "gateway/http/server_config.hpp"

namespace sesame::http {

class RequestHandler {
  public:
    virtual ~RequestHandler() = default;
    // Runs on its worker's thread; may co_await anything on that worker's io_context. An
    // exception escaping it becomes a 500 and a log line.
    virtual boost::asio::awaitable<core::HttpResponse> handle(core::HttpRequest request) = 0;
};

// Called once per worker, at start, with that worker's io_context.
using HandlerFactory = std::function<std::shared_ptr<RequestHandler>(boost::asio::io_context&)>;
// Called after each response is written (metrics, access log), on the worker's thread, so it
// must be thread-safe across workers. `seconds`: from the request read to the response written.
// The request holds method, path, raw target, client, scheme, host and request id only; the
// response its status only.
using RequestObserver =
    std::function<void(const core::HttpRequest&, const core::HttpResponse&, double seconds)>;

class Worker;

class Server {
  public:
    Server(ServerConfig config, HandlerFactory factory, RequestObserver observer = {});
    ~Server();  // stop() then wait()
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds every acceptor, loads TLS, builds the handlers and starts the worker threads. When
    // it returns without error the server is listening. Errors: bind_failed, tls_setup (the
    // log says which address or file), core::Errc::internal (the factory gave no handler).
    Result<void> start();
    // Called at the end of a successful start() (readiness probes, "ready in N ms").
    void onListening(std::function<void()> callback) { onListening_ = std::move(callback); }
    bool listening() const { return listening_.load(); }
    std::uint16_t port() const { return port_; }  // the bound port, also when configured as 0
    const ServerConfig& config() const { return config_; }

    // SIGHUP: loads config().tls's files again (a renewed certificate) into a new context that
    // every worker uses for the connections it accepts from then on; open connections keep
    // theirs. Files that do not load (or a key that does not match) keep the current context:
    // tls_setup, with the file and OpenSSL's reason in the log. Returns once every worker has
    // switched; never call it from a worker thread. Without server.tls, nothing to do.
    Result<void> reloadTls();

    // Graceful shutdown: stops accepting (closed when this returns, unless called from a worker
    // thread), closes idle keep-alive connections, lets requests in flight finish with
    // "Connection: close", and after `grace` closes whatever is left. Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    // Blocks until every worker thread has finished. Never call it from a worker thread.
    void wait();

  private:
    ServerConfig config_;
    HandlerFactory factory_;
    RequestObserver observer_;
    std::function<void()> onListening_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::uint16_t port_ = 0;
    std::atomic<bool> listening_{false};
    std::atomic<bool> stopRequested_{false};
    bool started_ = false;
};

}  // namespace sesame::http
