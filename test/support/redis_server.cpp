#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

namespace sesame::testing {
namespace {

std::string resp(const std::vector<std::string>& args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

// A blocking RESP reader over one socket, enough for test assertions.
class RespConnection {
  public:
    RespConnection(const std::string& host, int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            int err = errno;
            if (fd_ >= 0) ::close(fd_);
            throw HarnessError("cannot connect to redis at " + host + ":" + std::to_string(port) +
                               ": " + std::strerror(err));
        }
    }
    ~RespConnection() { ::close(fd_); }

    std::string call(const std::vector<std::string>& args) {
        std::string request = resp(args);
        if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(request.size())) {
            throw HarnessError("redis: send failed");
        }
        return reply();
    }

  private:
    std::string line() {
        std::string out;
        for (;;) {
            auto end = buffer_.find("\r\n");
            if (end != std::string::npos) {
                out = buffer_.substr(0, end);
                buffer_.erase(0, end + 2);
                return out;
            }
            fill();
        }
    }
    void fill() {
        char chunk[4096];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) throw HarnessError("redis: connection closed or timed out before a reply");
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    std::string reply() {
        std::string head = line();
        if (head.empty()) throw HarnessError("redis: empty reply line");
        char kind = head[0];
        std::string rest = head.substr(1);
        if (kind == '+' || kind == '-' || kind == ':') return rest;
        if (kind == '$') {
            long n = std::stol(rest);
            if (n < 0) return "(nil)";
            while (buffer_.size() < static_cast<std::size_t>(n) + 2) fill();
            std::string out = buffer_.substr(0, static_cast<std::size_t>(n));
            buffer_.erase(0, static_cast<std::size_t>(n) + 2);
            return out;
        }
        if (kind == '*') {
            long n = std::stol(rest);
            if (n < 0) return "(nil)";
            std::string out;
            for (long i = 0; i < n; ++i) out += (i ? "\n" : "") + reply();
            return out;
        }
        throw HarnessError("redis: unexpected reply '" + head + "'");
    }

    int fd_ = -1;
    std::string buffer_;
};

std::string redisBinary(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* env = std::getenv("SESAME_REDIS_SERVER");
    return env && *env ? env : "/usr/bin/redis-server";
}

}  // namespace

RedisServer::RedisServer(RedisOptions options)
    : options_(std::move(options)), dir_("sesame-redis") {
    startOnFreePort(process_, [&](int port) {
        port_ = port;
        launch();
    });
}

RedisServer::~RedisServer() {
    stop();
}

void RedisServer::launch() {
    const std::string binary = redisBinary(options_.binary);
    if (!std::filesystem::exists(binary)) {
        throw HarnessError(binary +
                           " not found: install redis-server (scripts/install-deps.sh) "
                           "or set SESAME_REDIS_SERVER");
    }
    ProcessSpec spec;
    spec.program = binary;
    spec.name = "redis-server";
    spec.logDir = dir_.path();
    spec.workingDir = dir_.path();
    spec.args = {"--port",       std::to_string(port_),
                 "--bind",       "127.0.0.1",
                 "--save",       "",
                 "--appendonly", "no",
                 "--dir",        dir_.path().string(),
                 "--daemonize",  "no"};
    if (!options_.password.empty()) {
        spec.args.insert(spec.args.end(), {"--requirepass", options_.password});
    }
    spec.args.insert(spec.args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
    process_ = std::make_unique<Process>(std::move(spec));
    waitUntil(
        [&] {
            try {
                return command({"PING"}) == "PONG";
            } catch (const HarnessError&) {
                return false;
            }
        },
        options_.startTimeout, "redis-server to answer PING on 127.0.0.1:" + std::to_string(port_),
        process_.get());
}

void RedisServer::stop() {
    if (process_) process_->stop();
}

void RedisServer::start() {
    if (running()) return;
    launch();
}

void RedisServer::restart() {
    stop();
    start();
}

void RedisServer::pause() {
    if (process_) stopProcess(process_->pid());
}

void RedisServer::resume() {
    if (process_) continueProcess(process_->pid());
}

bool RedisServer::running() {
    return process_ && process_->running();
}

std::string RedisServer::command(const std::vector<std::string>& args) const {
    return redisCommand(port_, args, options_.password);
}

std::string redisCommand(int port, const std::vector<std::string>& args,
                         const std::string& password) {
    RespConnection connection("127.0.0.1", port);
    if (!password.empty()) {
        std::string auth = connection.call({"AUTH", password});
        if (auth != "OK") throw HarnessError("redis AUTH failed: " + auth);
    }
    return connection.call(args);
}

std::string RedisServer::logTail() const {
    return process_ ? process_->logTail() : "(not started)";
}

}  // namespace sesame::testing
