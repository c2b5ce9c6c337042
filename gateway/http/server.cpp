#include "gateway/http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <latch>

#include "gateway/core/log.hpp"
#include "gateway/http/error.hpp"
#include "gateway/http/tls.hpp"
#include "gateway/http/worker.hpp"

namespace sesame::http {
namespace asio = boost::asio;
namespace {
const core::Logger& log() {
    static const core::Logger logger("http");
    return logger;
}
// SO_REUSEPORT would let this process silently share the port with another Sesame still
// running there (same user): check first with an exclusive bind that nobody listens on it.
bool portIsFree(const asio::ip::tcp::endpoint& endpoint) {
    asio::io_context context;
    asio::ip::tcp::acceptor probe(context);
    error_code ec;
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) {
        log().error("bind_failed", {{"address", endpoint.address().to_string()},
                                    {"port", std::to_string(endpoint.port())},
                                    {"reason", ec.message()}});
    }
    return !ec;
}
}  // namespace

Server::Server(ServerConfig config, HandlerFactory factory, RequestObserver observer)
    : config_(std::move(config)), factory_(std::move(factory)), observer_(std::move(observer)) {}

Server::~Server() {
    stop();
    wait();
}

Result<void> Server::start() {
    if (started_) return core::Errc::internal;
    error_code ec;
    auto address = asio::ip::make_address(config_.host, ec);
    if (ec) {
        log().error("bind_failed", {{"address", config_.host}, {"reason", ec.message()}});
        return Errc::bind_failed;
    }
    auto settings = std::make_shared<const ServerSettings>(
        ServerSettings{config_, ResponseEncoder(config_), observer_});
    std::uint16_t port = config_.port;
    if (port != 0 && !portIsFree({address, port})) return Errc::bind_failed;
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < std::max(1u, config_.threads); ++i) {
        auto worker = std::make_unique<Worker>(settings);
        // The first bind may pick a free port (port 0); the others join it.
        auto bound = worker->bind({address, port});
        if (!bound) return bound.error();
        port = *bound;
        if (config_.tls) {
            if (auto loaded = worker->loadTls(*config_.tls); !loaded) return loaded.error();
        }
        if (auto created = worker->createHandler(factory_); !created) return created.error();
        workers.push_back(std::move(worker));
    }
    workers_ = std::move(workers);
    port_ = port;
    for (auto& worker : workers_) worker->run();
    started_ = true;
    listening_ = true;
    log().info("listening", {{"address", config_.host},
                             {"port", std::to_string(port_)},
                             {"threads", std::to_string(workers_.size())},
                             {"tls", config_.tls ? "yes" : "no"}});
    if (onListening_) onListening_();
    return {};
}

Result<void> Server::reloadTls() {
    if (!started_ || stopRequested_ || !config_.tls) return {};
    auto loaded = serverTlsContext(*config_.tls);
    if (!loaded) {
        log().error("tls_reload_refused", {{"certificate", config_.tls->certificate},
                                           {"private_key", config_.tls->privateKey},
                                           {"kept", "the certificate already in use"}});
        return loaded.error();
    }
    std::shared_ptr<asio::ssl::context> context = std::move(*loaded);
    // Each worker touches its context on its own thread only: hand it over there, and say
    // "reloaded" once every worker uses it (a connection opened after that sees the new one).
    auto switched = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(workers_.size()));
    for (auto& worker : workers_)
        asio::post(worker->context(), [w = worker.get(), context, switched] {
            w->useTls(context);
            switched->count_down();
        });
    switched->wait();
    log().info("tls_reloaded", {{"certificate", config_.tls->certificate}});
    return {};
}

void Server::stop(std::chrono::milliseconds grace) {
    if (!started_ || stopRequested_.exchange(true)) return;
    listening_ = false;
    log().info("stopping", {{"grace_ms", std::to_string(grace.count())}});
    auto closed = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(workers_.size()));
    bool fromWorker = false;
    for (auto& worker : workers_) {
        fromWorker = fromWorker || worker->onThisThread();
        asio::post(worker->context(), [w = worker.get(), closed, grace] {
            w->beginStop(grace);
            closed->count_down();
        });
    }
    // A worker cannot wait for itself; anybody else returns once no acceptor is open.
    if (!fromWorker) closed->wait();
}

void Server::wait() {
    for (auto& worker : workers_) worker->join();
}

}  // namespace sesame::http
