// RedisClient with Redis Sentinel, against real processes: a master, a replica and three
// redis-sentinel (test/support's SentinelDeployment). What Sesame's users notice: the client
// finds the master, follows a failover without a restart, and fails fast (unavailable) while the
// master changes, never with another error, never past its timeout.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "gateway/session/redis_client.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/process.hpp"
#include "test/support/servers.hpp"
#include "test/support/temp_dir.hpp"
#include "test/support/test_certificate.hpp"
#include "test/unit/session/result_printing.hpp"
#include "test/unit/session/run_task.hpp"

using namespace sesame;
using namespace sesame::session;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using testing::SentinelDeployment;

namespace {

RedisConfig sentinelConfig(const SentinelDeployment& d,
                           std::vector<std::string> extraSentinels = {}) {
    RedisConfig config;
    config.timeout = 1000ms;
    RedisSentinel sentinel;
    sentinel.masterName = d.masterName();
    const auto listed = d.sentinelAddresses();
    extraSentinels.insert(extraSentinels.end(), listed.begin(), listed.end());
    for (const auto& a : extraSentinels) {
        auto endpoint = parseEndpoint(a);
        REQUIRE(endpoint);
        sentinel.addresses.push_back(*endpoint);
    }
    config.sentinel = sentinel;
    return config;
}

struct Client {
    explicit Client(RedisConfig config) : client(io.get_executor(), std::move(config)) {
        auto started = client.start();
        INFO(client.lastError());
        REQUIRE(started);
    }
    Result<RedisReply> command(RedisClient::Command args) {
        return test::runTask(io, client.command(std::move(args)));
    }
    // Runs the client's loops (reconnection, +switch-master) for a while without calling it.
    void idle(std::chrono::milliseconds d) {
        asio::steady_timer t(io, d);
        bool done = false;
        t.async_wait([&](auto) { done = true; });
        while (!done) io.run_one();
    }
    // SETs until one succeeds: every failure on the way must be the outage answer, fast.
    bool eventuallyWrites(const std::string& key, const std::string& value,
                          std::chrono::milliseconds limit = 15s) {
        auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline) {
            auto started = Clock::now();
            auto r = command({"SET", key, value});
            if (r && r->isStatus("OK")) return true;
            INFO(client.lastError());
            if (r) FAIL("a reply other than OK while switching: " << describe(*r));
            CHECK((r.error() == core::Errc::unavailable || r.error() == core::Errc::timeout));
            // The 1 s timeout bounds every call (with room for a busy machine): never a hang.
            CHECK(Clock::now() - started < 3s);
            idle(20ms);
        }
        return false;
    }

    asio::io_context io;
    RedisClient client;
};

}  // namespace

TEST_CASE("the client finds the master through the sentinels, past a dead one",
          "[redis][sentinel]") {
    SentinelDeployment d;
    // The first sentinel listed does not answer: the next ones are asked.
    Client c(sentinelConfig(d, {"127.0.0.1:" + std::to_string(testing::freePort())}));
    REQUIRE(c.eventuallyWrites("where", "on-the-master"));
    CHECK(d.master().command({"GET", "where"}) == "on-the-master");
    CHECK(c.client.connected());
}

TEST_CASE("no sentinel reachable: unavailable at once, and lastError names the sentinels",
          "[redis][sentinel]") {
    RedisConfig config;
    config.timeout = 1000ms;
    RedisSentinel sentinel;
    sentinel.masterName = "sesame";
    const int a = testing::freePort(), b = testing::freePort();
    sentinel.addresses = {{"127.0.0.1", static_cast<std::uint16_t>(a)},
                          {"127.0.0.1", static_cast<std::uint16_t>(b)}};
    config.sentinel = sentinel;
    Client c(config);
    auto r = c.command({"PING"});
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::unavailable);
    auto started = Clock::now();
    r = c.command({"PING"});
    CHECK(Clock::now() - started < 500ms);
    const std::string why = c.client.lastError();
    INFO(why);
    CHECK(why.find("no sentinel named a usable master 'sesame'") != std::string::npos);
    CHECK(why.find("sentinel 127.0.0.1:" + std::to_string(a)) != std::string::npos);
    CHECK(why.find("sentinel 127.0.0.1:" + std::to_string(b)) != std::string::npos);
}

TEST_CASE("SENTINEL failover: the client follows to the new master without a restart",
          "[redis][sentinel]") {
    SentinelDeployment d;
    Client c(sentinelConfig(d));
    REQUIRE(c.eventuallyWrites("before", "1"));
    d.waitForReplication();  // replication is asynchronous: only what the replica has is kept
    const int oldPort = d.master().port();

    auto& next = d.failover();
    REQUIRE(next.port() != oldPort);
    REQUIRE(c.eventuallyWrites("after", "2"));
    CHECK(next.command({"GET", "after"}) == "2");
    auto before = c.command({"GET", "before"});
    REQUIRE(before);
    CHECK(before->text() == "1");
    CHECK(c.client.connected());
}

TEST_CASE("the master killed: the client follows the sentinels' failover", "[redis][sentinel]") {
    SentinelDeployment d;
    Client c(sentinelConfig(d));
    REQUIRE(c.eventuallyWrites("before", "1"));
    d.waitForReplication();
    const int oldPort = d.master().port();
    d.master().stop();
    auto& next = d.waitForNewMaster(oldPort, 20s);
    REQUIRE(c.eventuallyWrites("after", "2"));
    CHECK(next.command({"GET", "after"}) == "2");
    CHECK(c.command({"GET", "before"})->text() == "1");
}

TEST_CASE("a READONLY reply makes the client ask the sentinels again", "[redis][sentinel]") {
    SentinelDeployment d;
    Client c(sentinelConfig(d));
    REQUIRE(c.eventuallyWrites("k", "1"));
    auto& oldMaster = d.master();
    auto& promoted = d.replica();
    // Roles swapped behind the sentinels' back: no +switch-master is announced.
    REQUIRE(promoted.command({"REPLICAOF", "NO", "ONE"}) == "OK");
    REQUIRE(oldMaster.command({"REPLICAOF", "127.0.0.1", std::to_string(promoted.port())}) == "OK");

    // The write reaches a replica: the caller gets the outage answer, not the READONLY error.
    auto r = c.command({"SET", "k", "2"});
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::unavailable);
    // The sentinels still name the old server: the client checks ROLE and does not use it.
    testing::waitUntil(
        [&] {
            c.idle(50ms);
            return c.client.lastError().find("is not the master (ROLE slave)") != std::string::npos;
        },
        10s, "the client to refuse the demoted master");
    CHECK_FALSE(c.client.connected());

    // The sentinels now name the promoted server (no failover, so no announcement either).
    for (std::size_t i = 0; i < 3; ++i) {
        auto& s = d.sentinel(i);
        REQUIRE(s.command({"SENTINEL", "REMOVE", d.masterName()}) == "OK");
        REQUIRE(s.command({"SENTINEL", "MONITOR", d.masterName(), "127.0.0.1",
                           std::to_string(promoted.port()), "2"}) == "OK");
    }
    REQUIRE(c.eventuallyWrites("k", "3"));
    CHECK(promoted.command({"GET", "k"}) == "3");
}

TEST_CASE("sentinels with a password: found with it, refused clearly without, never echoed",
          "[redis][sentinel]") {
    testing::RedisServer master;
    testing::SentinelOptions options;
    options.masterPort = master.port();
    options.password = "sentinel-secret";
    testing::RedisSentinelServer sentinel(options);
    auto config = [&](std::string password) {
        RedisConfig c;
        c.timeout = 1000ms;
        RedisSentinel s;
        s.masterName = "sesame";
        s.addresses = {{"127.0.0.1", static_cast<std::uint16_t>(sentinel.port())}};
        s.password = std::move(password);
        c.sentinel = s;
        return c;
    };

    Client good(config("sentinel-secret"));
    REQUIRE(good.eventuallyWrites("k", "v"));
    CHECK(master.command({"GET", "k"}) == "v");

    Client wrong(config("not-the-secret"));
    auto r = wrong.command({"PING"});
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::unavailable);
    const std::string why = wrong.client.lastError();
    INFO(why);
    CHECK(why.find("sentinel " + sentinel.address() + " refused AUTH") != std::string::npos);
    CHECK(why.find("not-the-secret") == std::string::npos);

    Client none(config(""));
    REQUIRE_FALSE(none.command({"PING"}));
    INFO(none.client.lastError());
    CHECK(none.client.lastError().find("NOAUTH") != std::string::npos);
}

TEST_CASE("sentinels over TLS: verified against the CA and the configured name",
          "[redis][sentinel]") {
    testing::TempDir dir("sesame-sentinel-tls");
    auto certificate = testing::makeTestCertificate(dir.path());  // for 127.0.0.1 and localhost
    testing::RedisServer master;
    testing::SentinelOptions options;
    options.masterPort = master.port();
    options.tlsCertificate = certificate.certificateFile;
    options.tlsPrivateKey = certificate.privateKeyFile;
    testing::RedisSentinelServer sentinel(options);
    auto config = [&](std::string serverName) {
        RedisConfig c;
        c.timeout = 1000ms;
        RedisSentinel s;
        s.masterName = "sesame";
        s.addresses = {{"127.0.0.1", static_cast<std::uint16_t>(sentinel.tlsPort())}};
        s.tls = RedisTls{certificate.certificateFile.string(), {}, {}, std::move(serverName)};
        c.sentinel = s;
        return c;
    };

    Client byAddress(config(""));  // the certificate carries IP:127.0.0.1
    REQUIRE(byAddress.eventuallyWrites("k", "tls"));
    CHECK(master.command({"GET", "k"}) == "tls");

    Client byName(config("localhost"));
    REQUIRE(byName.eventuallyWrites("k", "tls-by-name"));

    Client wrongName(config("redis.elsewhere.example"));
    REQUIRE_FALSE(wrongName.command({"PING"}));
    INFO(wrongName.client.lastError());
    CHECK(wrongName.client.lastError().find(
              "TLS handshake with sentinel 127.0.0.1:" + std::to_string(sentinel.tlsPort()) +
              " (expecting redis.elsewhere.example) failed") != std::string::npos);
}

TEST_CASE("the master frozen: the client moves on the sentinels' announcement, no call times out",
          "[redis][sentinel]") {
    SentinelDeployment d;
    Client c(sentinelConfig(d));
    REQUIRE(c.eventuallyWrites("before", "1"));
    d.waitForReplication();
    auto& frozen = d.master();
    const int oldPort = frozen.port();
    // Alive but silent: its connections stay open, so only +switch-master tells the client.
    frozen.pause();
    struct Thaw {
        testing::RedisServer& server;
        ~Thaw() { server.resume(); }
    } thaw{frozen};
    auto& next = d.waitForNewMaster(oldPort, 20s);

    // The announcement is waiting on the client's subscription: the first call after the
    // failover never waits for the frozen master (a timeout); at worst it fails fast.
    auto first = c.command({"SET", "after", "2"});
    if (!first) CHECK(first.error() == core::Errc::unavailable);
    REQUIRE(c.eventuallyWrites("after", "2"));
    CHECK(next.command({"GET", "after"}) == "2");
}

TEST_CASE("the watched sentinel goes silent: the +switch-master watch moves to another one",
          "[redis][sentinel]") {
    SentinelDeployment d;
    Client c(sentinelConfig(d));
    REQUIRE(c.eventuallyWrites("before", "1"));
    // The sentinel holding the client's subscription (CLIENT LIST: sub=1), once there is one.
    auto watched = [&]() -> int {
        for (int i = 0; i < 3; ++i)
            if (d.sentinel(i).command({"CLIENT", "LIST"}).find(" sub=1 ") != std::string::npos)
                return i;
        return -1;
    };
    auto deadline = Clock::now() + 20s;
    while (watched() < 0 && Clock::now() < deadline) c.idle(50ms);
    const int silent = watched();
    REQUIRE(silent >= 0);

    // Alive for TCP, silent for Redis (a host gone without closing its connections).
    d.sentinel(silent).pause();
    struct Resume {
        testing::RedisSentinelServer& sentinel;
        ~Resume() { sentinel.resume(); }
    } resume{d.sentinel(silent)};
    auto another = [&] {
        for (int i = 0; i < 3; ++i)
            if (i != silent &&
                d.sentinel(i).command({"CLIENT", "LIST"}).find(" sub=1 ") != std::string::npos)
                return true;
        return false;
    };
    deadline = Clock::now() + 20s;
    while (!another() && Clock::now() < deadline) c.idle(50ms);
    CHECK(another());
}
