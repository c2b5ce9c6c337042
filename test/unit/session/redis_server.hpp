#pragma once
// Test support for [redis] tests: the shared server named by SESAME_TEST_REDIS, and private
// redis-server processes that a test starts, stops by PID and restarts on the same port.
#include <sys/types.h>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway/session/redis_config.hpp"

namespace sesame::test {

// The server scripts/test.sh starts; FAILs the test with how to run it when the variable is unset.
session::RedisConfig sharedRedis();

// A free loopback TCP port (bound to port 0, read back, released).
std::uint16_t freePort();

class RedisServer {
  public:
    // redis-server on 127.0.0.1:<free port>, no persistence, plus `extraArgs`
    // ("--requirepass", "x", "--tls-port", "1234"...). Waits until it answers PING.
    explicit RedisServer(std::vector<std::string> extraArgs = {});
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    void stop();    // SIGTERM to its PID, then waits for it to exit
    void start();   // again, same port and arguments
    void pause();   // SIGSTOP: alive but silent
    void resume();  // SIGCONT
    std::uint16_t port() const { return port_; }
    const std::filesystem::path& dir() const { return dir_; }  // removed at the end
    session::RedisConfig config() const;                       // a client config pointing at it

  private:
    void waitUntilReady();
    std::filesystem::path dir_;
    std::uint16_t port_;
    std::vector<std::string> extraArgs_;
    pid_t pid_ = -1;
};

}  // namespace sesame::test
