#pragma once
// The real Server, in-process on 127.0.0.1 and a free port, with a small handler:
//   /echo   lines "name=value" describing the request as the handler saw it
//   /throw  throws (the server must answer 500 and stay up)
//   /login  an authentication page
//   /csp    sets its own Content-Security-Policy
//   /cookie sets a cookie
//   /slow   waits until the test calls SlowGate::release()
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <vector>

#include "gateway/http/server.hpp"

namespace sesame::http::test {

class SlowGate {
  public:
    void enter(boost::asio::steady_timer& timer);  // from the handler
    void leave();                                  // from the handler, when its timer goes
    bool waitEntered(std::chrono::milliseconds timeout);
    void release();  // from the test thread

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    boost::asio::steady_timer* timer_ = nullptr;
    bool entered_ = false;
    bool released_ = false;
};

struct Observation {
    std::string method, path, rawTarget, clientAddress;
    int status = 0;
    bool sawBody = false;
};

class TestServer {
  public:
    // `adjust` changes the configuration before start (limits, proxies, TLS...).
    explicit TestServer(std::function<void(ServerConfig&)> adjust = {});
    ~TestServer();
    Server& server() { return *server_; }
    std::uint16_t port() const { return server_->port(); }
    SlowGate& gate() { return gate_; }
    // Waits until the observer has seen `count` requests, then returns them.
    std::vector<Observation> observations(std::size_t count);

  private:
    SlowGate gate_;
    std::mutex mutex_;
    std::condition_variable observed_;
    std::vector<Observation> observations_;
    std::unique_ptr<Server> server_;
};

ServerConfig baseConfig();

}  // namespace sesame::http::test
