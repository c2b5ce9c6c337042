// RedisClient against real redis-server processes: pipelining, outage and recovery, timeouts,
// passwords and TLS. What Sesame's users notice: requests keep working, fail fast with a clear
// cause while Redis is away, and work again when it returns, without restarting Sesame.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "gateway/core/metrics.hpp"
#include "gateway/core/random.hpp"
#include "gateway/session/redis_client.hpp"
#include "test/unit/session/redis_server.hpp"
#include "test/unit/session/result_printing.hpp"
#include "test/unit/session/run_task.hpp"

using namespace sesame;
using namespace sesame::session;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::runTask;
using Clock = std::chrono::steady_clock;

namespace {

struct Client {
    explicit Client(RedisConfig config) : client(io.get_executor(), std::move(config), &errors) {
        auto started = client.start();
        INFO(client.lastError());
        REQUIRE(started);
    }
    template <class T>
    T run(asio::awaitable<T> task) {
        return runTask(io, std::move(task));
    }
    Result<RedisReply> command(RedisClient::Command args) {
        return run(client.command(std::move(args)));
    }
    // Polls PING until Redis answers (the client reconnects by itself) or `limit` passes.
    bool eventuallyAnswers(std::chrono::milliseconds limit = 5000ms) {
        return run([](RedisClient& c, std::chrono::milliseconds limit) -> asio::awaitable<bool> {
            auto deadline = Clock::now() + limit;
            asio::steady_timer pause(co_await asio::this_coro::executor);
            while (Clock::now() < deadline) {
                RedisClient::Command ping{"PING"};  // built outside co_await (g++ 12)
                auto pong = co_await c.command(std::move(ping));
                if (pong && pong->isStatus("PONG")) co_return true;
                pause.expires_after(20ms);
                co_await pause.async_wait(asio::use_awaitable);
            }
            co_return false;
        }(client, limit));
    }

    asio::io_context io;
    core::CounterFamily errors{"sesame_redis_errors_total", "test", {"operation"}};
    RedisClient client;
};

void writeFile(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

// Append rather than "k" + to_string(i): g++ 12 warns falsely on the latter (-Wrestrict).
std::string key(int i) {
    return std::string("k").append(std::to_string(i));
}
std::string value(int i) {
    return std::string("v").append(std::to_string(i));
}

int sh(const std::string& command) {
    return std::system(command.c_str());
}

// A throwaway CA, a server certificate for localhost/127.0.0.1 and a client certificate.
void makeCertificates(const std::filesystem::path& dir) {
    std::string d = dir.string();
    writeFile(dir / "server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    writeFile(dir / "client.ext", "extendedKeyUsage=clientAuth\n");
    std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    std::string quiet = " 2>/dev/null";
    REQUIRE(sh("cd " + d + " && openssl req -x509" + ec +
               "-keyout ca.key -out ca.crt -days 1 -subj '/CN=Sesame Test CA'" + quiet) == 0);
    for (std::string who : {"server", "client"}) {
        REQUIRE(sh("cd " + d + " && openssl req" + ec + "-keyout " + who + ".key -out " + who +
                   ".csr -subj '/CN=" + (who == "server" ? "localhost" : "sesame") + "'" + quiet) ==
                0);
        REQUIRE(sh("cd " + d + " && openssl x509 -req -in " + who +
                   ".csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out " + who +
                   ".crt -extfile " + who + ".ext" + quiet) == 0);
    }
}

}  // namespace

TEST_CASE("1000 concurrent GETs on one connection each get their own value", "[redis]") {
    Client c(test::sharedRedis());
    const std::string prefix = c.client.config().keyPrefix;
    std::vector<RedisClient::Command> sets;
    for (int i = 0; i < 1000; ++i) sets.push_back({"SET", prefix + key(i), value(i), "EX", "60"});
    auto stored = c.run(c.client.pipeline(sets));
    INFO(c.client.lastError());
    REQUIRE(stored);
    REQUIRE(stored->size() == 1000);

    std::vector<std::optional<Result<RedisReply>>> got(1000);
    int finished = 0;
    for (int i = 0; i < 1000; ++i) {
        asio::co_spawn(
            c.io,
            [&, i]() -> asio::awaitable<void> {
                RedisClient::Command get{"GET", prefix + key(i)};
                got[i] = co_await c.client.command(std::move(get));
                ++finished;
            },
            asio::detached);
    }
    while (finished < 1000) c.io.run_one();
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(got[i]->has_value());
        REQUIRE((*got[i])->text() == value(i));
    }
    std::vector<RedisClient::Command> dels;
    for (int i = 0; i < 1000; ++i) dels.push_back({"DEL", prefix + key(i)});
    REQUIRE(c.run(c.client.pipeline(dels)));
}

TEST_CASE("the configured database is selected on connect", "[redis]") {
    auto config = test::sharedRedis();
    const std::string key = config.keyPrefix + "db";
    config.database = 5;
    Client five(config);
    config.database = 0;
    Client zero(config);
    REQUIRE(five.command({"SET", key, "in five", "EX", "60"}));
    CHECK(five.command({"GET", key})->text() == "in five");
    CHECK(zero.command({"GET", key})->isNil());
    REQUIRE(five.command({"DEL", key}));
}

TEST_CASE("a Redis error reply is a reply, and a transaction is all or nothing", "[redis]") {
    Client c(test::sharedRedis());
    const std::string key = c.client.config().keyPrefix + "list";
    REQUIRE(c.command({"RPUSH", key, "a"}));
    auto wrong = c.command({"INCR", key});
    REQUIRE(wrong);
    CHECK(wrong->isError());
    CHECK(wrong->text().rfind("WRONGTYPE", 0) == 0);
    auto aborted = c.run(c.client.transaction({{"DEL", key}, {"NOSUCHCOMMAND"}}));
    REQUIRE_FALSE(aborted);
    CHECK(aborted.error() == RedisErrc::error_reply);
    CHECK(c.command({"EXISTS", key})->asInteger() == 1);  // DEL was not applied
    auto done = c.run(c.client.transaction({{"DEL", key}, {"EXISTS", key}}));
    REQUIRE(done);
    CHECK((*done)[1].asInteger() == 0);
}

TEST_CASE("with no Redis listening, calls fail fast with unavailable", "[redis]") {
    RedisConfig config;
    config.port = test::freePort();  // nobody there
    config.timeout = 1000ms;
    Client c(config);
    for (int i = 0; i < 3; ++i) {
        auto started = Clock::now();
        auto r = c.command({"PING"});
        REQUIRE_FALSE(r);
        CHECK(r.error() == core::Errc::unavailable);
        CHECK(Clock::now() - started < 500ms);
    }
    CHECK(c.client.lastError().find("cannot connect to 127.0.0.1:") != std::string::npos);
    CHECK(c.errors.value({"ping"}) >= 3);
    CHECK(c.errors.value({"connect"}) >= 1);
}

TEST_CASE("Redis stopped mid-run: unavailable while down, working again when back", "[redis]") {
    test::RedisServer server;
    Client c(server.config());
    REQUIRE(c.eventuallyAnswers());
    REQUIRE(c.command({"SET", "before", "1"}));
    CHECK(c.client.connected());

    server.stop();
    for (int i = 0; i < 5; ++i) {
        auto started = Clock::now();
        auto r = c.command({"GET", "before"});
        REQUIRE_FALSE(r);
        CHECK(r.error() == core::Errc::unavailable);
        CHECK(Clock::now() - started < 500ms);  // fails fast, well within the 1 s timeout
    }
    CHECK_FALSE(c.client.connected());
    CHECK(c.errors.value({"get"}) >= 5);

    server.start();  // same port
    REQUIRE(c.eventuallyAnswers());
    CHECK(c.client.connected());
    REQUIRE(c.command({"SET", "after", "2"}));
    CHECK(c.command({"GET", "after"})->text() == "2");
    CHECK(c.command({"GET", "before"})->isNil());  // a fresh server: nothing was persisted
}

TEST_CASE("a Redis that stops answering gives a timeout, then recovers", "[redis]") {
    test::RedisServer server;
    auto config = server.config();
    config.timeout = 300ms;
    Client c(config);
    REQUIRE(c.eventuallyAnswers());
    server.pause();
    auto started = Clock::now();
    auto r = c.command({"PING"});
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::timeout);
    CHECK(Clock::now() - started >= 250ms);
    CHECK(c.client.lastError().find("no reply from redis within 300 ms") != std::string::npos);
    server.resume();
    REQUIRE(c.eventuallyAnswers());
}

TEST_CASE("a password-protected Redis works with the password and fails clearly without",
          "[redis]") {
    const std::string password = "Tr0ub4dor&3-horse";
    test::RedisServer server({"--requirepass", password});

    auto config = server.config();
    config.password = password;
    Client good(config);
    REQUIRE(good.eventuallyAnswers());
    REQUIRE(good.command({"ACL", "SETUSER", "sesame", "on", ">user-secret", "~*", "+@all"}));

    config.password.clear();
    Client none(config);
    auto r = none.command({"PING"});
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::unavailable);
    CHECK(none.client.lastError().find("redis requires a password (NOAUTH") != std::string::npos);

    config.password = "not-the-password";
    Client wrong(config);
    REQUIRE_FALSE(wrong.command({"PING"}));
    CHECK(wrong.client.lastError().find("refused AUTH") != std::string::npos);
    CHECK(wrong.client.lastError().find("not-the-password") == std::string::npos);

    config.user = "sesame";
    config.password = "user-secret";
    Client user(config);
    REQUIRE(user.eventuallyAnswers());
    CHECK(user.command({"ACL", "WHOAMI"})->text() == "sesame");
}

TEST_CASE("TLS to redis-server: verified CA, server name and client certificate", "[redis]") {
    std::uint16_t tlsPort = test::freePort();
    auto dir =
        std::filesystem::temp_directory_path() / ("sesame-redis-tls-" + core::randomToken(6));
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::filesystem::path dir;
        ~Cleanup() { std::filesystem::remove_all(dir); }
    } cleanup{dir};
    makeCertificates(dir);
    test::RedisServer server({"--tls-port", std::to_string(tlsPort), "--tls-cert-file",
                              (dir / "server.crt").string(), "--tls-key-file",
                              (dir / "server.key").string(), "--tls-ca-cert-file",
                              (dir / "ca.crt").string(), "--tls-auth-clients", "yes"});

    auto config = server.config();
    config.port = tlsPort;
    config.tls = RedisTls{(dir / "ca.crt").string(), (dir / "client.crt").string(),
                          (dir / "client.key").string(), "localhost"};

    SECTION("with the CA, the right name and a client certificate, commands work") {
        Client c(config);
        REQUIRE(c.eventuallyAnswers());
        REQUIRE(c.command({"SET", "tls", "yes"}));
        CHECK(c.command({"GET", "tls"})->text() == "yes");
    }
    SECTION("the server name defaults to the host and may be an IP in the certificate") {
        config.tls->serverName = "127.0.0.1";
        Client c(config);
        REQUIRE(c.eventuallyAnswers());
    }
    SECTION("a certificate for another name is refused") {
        config.tls->serverName = "redis.elsewhere.example";
        Client c(config);
        auto r = c.command({"PING"});
        REQUIRE_FALSE(r);
        CHECK(r.error() == core::Errc::unavailable);
        CHECK(c.client.lastError().find("TLS handshake") != std::string::npos);
    }
    SECTION("a server signed by another CA is refused") {
        config.tls->caFile = (dir / "client.crt").string();  // a certificate, but not the CA
        Client c(config);
        auto r = c.command({"PING"});
        REQUIRE_FALSE(r);
        CHECK(r.error() == core::Errc::unavailable);
    }
    SECTION("without a client certificate the server refuses us") {
        config.tls->certificate.clear();
        config.tls->privateKey.clear();
        Client c(config);
        auto r = c.command({"PING"});
        REQUIRE_FALSE(r);
        CHECK(r.error() == core::Errc::unavailable);
    }
    SECTION("an unreadable CA file stops the start") {
        config.tls->caFile = (dir / "missing.crt").string();
        asio::io_context io;
        RedisClient client(io.get_executor(), config);
        auto started = client.start();
        REQUIRE_FALSE(started);
        CHECK(started.error() == RedisErrc::tls_setup_failed);
        CHECK(client.lastError().find("missing.crt") != std::string::npos);
    }
}
