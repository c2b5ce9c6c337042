#include "test/unit/session/redis_server.hpp"

#include "test/support/process.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "gateway/core/random.hpp"

extern char** environ;

namespace sesame::test {
namespace asio = boost::asio;
using Tcp = asio::ip::tcp;

session::RedisConfig sharedRedis() {
    const char* address = std::getenv("SESAME_TEST_REDIS");
    if (!address || !*address)
        FAIL("start redis-server and set SESAME_TEST_REDIS=host:port (scripts/test.sh does)");
    std::string text = address;
    auto colon = text.rfind(':');
    if (colon == std::string::npos) FAIL("SESAME_TEST_REDIS must be host:port, not " << text);
    session::RedisConfig c;
    c.host = text.substr(0, colon);
    c.port = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
    c.timeout = std::chrono::seconds(2);
    c.keyPrefix = "sesame-test:" + core::randomToken(6) + ":";  // runs never see each other
    return c;
}

std::uint16_t freePort() {
    asio::io_context io;
    Tcp::acceptor acceptor(io, Tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

RedisServer::RedisServer(std::vector<std::string> extraArgs)
    : dir_(std::filesystem::temp_directory_path() / ("sesame-redis-" + core::randomToken(6))),
      port_(freePort()),
      extraArgs_(std::move(extraArgs)) {
    std::filesystem::create_directories(dir_);
    start();
}

RedisServer::~RedisServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void RedisServer::start() {
    REQUIRE(pid_ < 0);
    std::vector<std::string> args{"/usr/bin/redis-server",
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir_.string(),
                                  "--logfile",
                                  (dir_ / "redis.log").string()};
    args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ);
    if (rc != 0) {
        pid_ = -1;
        FAIL("cannot start /usr/bin/redis-server (apt-get install redis-server): " << rc);
    }
    waitUntilReady();
}

void RedisServer::stop() {
    if (pid_ < 0) return;
    ::kill(pid_, SIGCONT);  // a paused server cannot handle SIGTERM
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

void RedisServer::pause() {
    testing::stopProcess(pid_);
}
void RedisServer::resume() {
    testing::continueProcess(pid_);
}

session::RedisConfig RedisServer::config() const {
    session::RedisConfig c;
    c.host = "127.0.0.1";
    c.port = port_;
    c.timeout = std::chrono::milliseconds(1000);
    c.reconnectMin = std::chrono::milliseconds(20);
    c.reconnectMax = std::chrono::milliseconds(200);
    c.keyPrefix = "sesame-test:";
    return c;
}

// Ready = answers PING on the plain port (+PONG, or -NOAUTH when a password is required).
void RedisServer::waitUntilReady() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            FAIL("redis-server exited at start; see " << (dir_ / "redis.log").string());
        }
        asio::io_context io;
        Tcp::socket socket(io);
        boost::system::error_code ec;
        socket.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
        if (!ec) asio::write(socket, asio::buffer(std::string("PING\r\n")), ec);
        char first = 0;
        if (!ec) asio::read(socket, asio::buffer(&first, 1), ec);
        if (!ec && (first == '+' || first == '-')) return;
        // Not listening yet: poll again shortly (readiness, not a fixed delay).
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("redis-server on port " << port_ << " did not answer PING within 10 s");
}

}  // namespace sesame::test
