// Two Sesame nodes, one service: two `sesame serve` processes on one real Redis, behind a real
// HAProxy running the reference configuration (etc/haproxy/sesame.cfg, TLS at HAProxy, nodes in
// plain HTTP trusting its X-Forwarded-*). Nodes share nothing but Redis: a ticket, a session or a
// single logout started on one node is honoured by the other, and the loss of a node under load
// loses no session. "Through node A" means through a HAProxy frontend that reaches node A only.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

// A service of the demo registry (any loopback URL); nothing listens there: tests read the ticket
// from Sesame's redirect.
const std::string service = "http://127.0.0.1:9/two-nodes/";

SesameOptions nodeOptions(const std::string& redis, const std::string& publicUrl,
                          const std::string& keyPrefix) {
    SesameOptions options;
    options.redisAddress = redis;
    options.ldapUrl = requiredEnv("SESAME_TEST_LDAP");
    options.behindProxy = true;
    options.publicUrl = publicUrl;
    options.keyPrefix = keyPrefix;
    return options;
}

// Both nodes share one Redis key prefix (one service), of their own within the test Redis.
std::string sharedPrefix() {
    static int services = 0;
    return "two-nodes-" + std::to_string(::getpid()) + "-" + std::to_string(++services) + ":";
}

struct TwoNodes {
    // On the test Redis, or on another one (host:port).
    explicit TwoNodes(std::string redis = requiredEnv("SESAME_TEST_REDIS"))
        : node1(nodeOptions(redis, publicUrl(), prefix)),
          node2(nodeOptions(redis, publicUrl(), prefix)),
          haproxy(haproxyOptions()) {
        haproxy.waitForNode(1, "UP", std::chrono::seconds(10));
        haproxy.waitForNode(2, "UP", std::chrono::seconds(10));
    }
    int publicPort = freePort();
    std::string prefix = sharedPrefix();
    SesameInstance node1;
    SesameInstance node2;
    HaproxyServer haproxy;

    std::string publicUrl() const { return "https://127.0.0.1:" + std::to_string(publicPort); }
    HaproxyOptions haproxyOptions() const {
        HaproxyOptions options;
        options.node1 = node1.address();
        options.node2 = node2.address();
        options.certificate = node1.caFile();
        options.privateKey = node1.keyFile();
        options.port = publicPort;
        options.pinnedFrontends = true;
        return options;
    }
    std::string logs() { return node1.logTail() + node2.logTail() + haproxy.logTail(); }
};

TwoNodes& shared() {
    static TwoNodes nodes;
    return nodes;
}

std::string casLogin(const std::string& base, const std::string& target = service) {
    return base + "/cas/login?service=" + percentEncode(target);
}

// Follows redirects while they stay on `base`; returns the first response that does not.
Response followOn(Browser& browser, const std::string& base, Response r) {
    for (int hop = 0; hop < 10 && r.isRedirect() && r.location().rfind(base, 0) == 0; ++hop)
        r = browser.get(r.location());
    return r;
}

// Logs `person` in through `base` for `target` and returns the service ticket of the redirect.
std::string logInFor(Browser& browser, const std::string& base, const DemoPerson& person = teacher,
                     const std::string& target = service) {
    auto portal = followOn(browser, base, browser.get(casLogin(base, target)));
    if (portal.status != 200) throw HarnessError("no portal page at " + base + ": " + portal.body);
    auto landed = followOn(browser, base, logIn(browser, portal, person, "demo", false));
    if (!landed.isRedirect())
        throw HarnessError("no redirect to the service after login:\n" + textContent(landed.body));
    return queryParameter(landed.location(), "ticket").value_or("");
}

std::string validate(const std::string& base, const std::string& ticket,
                     const std::string& target = service) {
    Browser client;
    return client
        .get(base + "/cas/p3/serviceValidate?service=" + percentEncode(target) +
             "&ticket=" + percentEncode(ticket))
        .body;
}

bool validFor(const std::string& xml, const std::string& login) {
    return xml.find("<cas:authenticationSuccess>") != std::string::npos &&
           xml.find("<cas:user>" + login + "</cas:user>") != std::string::npos;
}

}  // namespace

TEST_CASE("a ticket issued by node A validates on node B, once", "[interop][redis][ldap]") {
    auto& nodes = shared();
    Browser browser;
    auto ticket = logInFor(browser, nodes.haproxy.pinnedUrl(1));
    REQUIRE(ticket.rfind("ST-", 0) == 0);
    auto onB = validate(nodes.haproxy.pinnedUrl(2), ticket);
    INFO(onB);
    CHECK(validFor(onB, teacher.login));
    // Single use holds across nodes: A refuses the ticket B took.
    CHECK(validate(nodes.haproxy.pinnedUrl(1), ticket).find("INVALID_TICKET") != std::string::npos);
}

TEST_CASE("a login form shown by node A is accepted by node B (flow, CSRF token, flow cookie)",
          "[interop][redis][ldap]") {
    auto& nodes = shared();
    const std::string a = nodes.haproxy.pinnedUrl(1), b = nodes.haproxy.pinnedUrl(2);
    Browser browser;
    auto portal = followOn(browser, a, browser.get(casLogin(a)));
    REQUIRE(portal.status == 200);
    auto page = loginForm(browser, portal, communeAgent.choice);
    REQUIRE(page.url.rfind(a, 0) == 0);
    auto form = findForm(page.body, "/login");
    REQUIRE(form);
    form->set("login", communeAgent.login).set("password", "demo");
    // The same form, submitted to the other node.
    std::string action = resolveUrl(page.url, form->action);
    action.replace(0, a.size(), b);
    auto posted = followOn(browser, b, browser.post(action, form->fields));
    INFO(posted.status << " " << textContent(posted.body));
    REQUIRE(posted.isRedirect());
    auto ticket = queryParameter(posted.location(), "ticket");
    REQUIRE(ticket);
    CHECK(validFor(validate(a, *ticket), communeAgent.login));
}

TEST_CASE("a session opened through node A gives tickets through node B without a login page",
          "[interop][redis][ldap]") {
    auto& nodes = shared();
    Browser browser;
    REQUIRE_FALSE(logInFor(browser, nodes.haproxy.pinnedUrl(1), director).empty());
    const std::string other = "http://127.0.0.1:9/two-nodes-other/";
    auto sso = browser.get(casLogin(nodes.haproxy.pinnedUrl(2), other));
    INFO(sso.status << " " << textContent(sso.body));
    REQUIRE(sso.isRedirect());
    REQUIRE(sso.location().rfind(other, 0) == 0);
    auto ticket = queryParameter(sso.location(), "ticket");
    REQUIRE(ticket);
    CHECK(validFor(validate(nodes.haproxy.pinnedUrl(1), *ticket, other), director.login));
}

TEST_CASE("single logout started on node B reaches a service visited through node A",
          "[interop][redis][ldap]") {
    auto& nodes = shared();
    // mod_auth_cas sends its people to node A and validates there; its back-channel logout
    // receiver is what node B must reach.
    ApacheCasOptions options;
    options.casBaseUrl = nodes.haproxy.pinnedUrl(1) + "/cas";
    options.caFile = nodes.node1.caFile();
    ApacheCasService apache{options};
    Browser browser;
    auto open = [&] { return browser.follow(browser.get(apache.serviceUrl("app1")), 10); };
    auto portal = open();
    REQUIRE(portal.url.rfind(nodes.haproxy.pinnedUrl(1), 0) == 0);
    auto landed = logIn(browser, portal, parent);
    INFO(textContent(landed.body));
    REQUIRE(landed.status == 200);
    REQUIRE(textContent(landed.body).find(parent.login) != std::string::npos);
    REQUIRE(apache.sessionCount() == 1);

    auto logout = browser.get(nodes.haproxy.pinnedUrl(2) + "/cas/logout");
    CHECK(logout.status == 200);
    INFO(nodes.logs() << apache.errorLogTail());
    // mod_auth_cas forgot the session (its cache file is gone): the next visit goes back to
    // Sesame, which asks who you are.
    CHECK(apache.sessionCount() == 0);
    auto again = open();
    CHECK(again.url.rfind(nodes.haproxy.pinnedUrl(1), 0) == 0);
    CHECK(again.body.find("choice=") != std::string::npos);
}

TEST_CASE("an X-Forwarded-For sent by a client never reaches the nodes' logs or throttling",
          "[interop][redis]") {
    auto& nodes = shared();
    Browser client;
    auto r = client.get(casLogin(nodes.haproxy.baseUrl()),
                        {{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Host", "evil.example"}});
    auto id = r.header("X-Request-Id");
    REQUIRE(id);
    // The node's access line for that request (written within 10 ms, batched) names the address
    // HAProxy saw, 127.0.0.1, not the one the client wrote.
    std::string line;
    auto accessLine = [&] {
        for (auto* node : {&nodes.node1, &nodes.node2}) {
            std::ifstream in(node->process().stderrPath());
            for (std::string l; std::getline(in, l);)
                if (l.find("\"request_id\":\"" + *id + "\"") != std::string::npos &&
                    l.find("\"event\":\"request\"") != std::string::npos)
                    line = l;
        }
        return !line.empty();
    };
    waitUntil(accessLine, std::chrono::seconds(5), "the access log line of " + *id);
    INFO(line);
    CHECK(line.find("\"client\":\"127.0.0.1\"") != std::string::npos);
    CHECK(line.find("203.0.113.9") == std::string::npos);
}

TEST_CASE("Redis lost: HAProxy shows Sesame's own outage page, and all is back by itself",
          "[interop][redis][ldap]") {
    RedisServer redis;
    TwoNodes nodes("127.0.0.1:" + std::to_string(redis.port()));
    const std::string base = nodes.haproxy.baseUrl();
    Browser browser;
    REQUIRE_FALSE(logInFor(browser, base).empty());

    redis.stop();
    // Every /readyz fails: no node is in the pool any more ...
    nodes.haproxy.waitForNode(1, "DOWN", std::chrono::seconds(15));
    nodes.haproxy.waitForNode(2, "DOWN", std::chrono::seconds(15));
    // ... and yet the answer is Sesame's, in French, not HAProxy's own 503.
    auto during = browser.get(casLogin(base));
    INFO(during.body);
    CHECK(during.status == 503);
    CHECK(textContent(during.body).find("indisponible") != std::string::npos);
    CHECK(during.header("X-Request-Id"));

    redis.start();
    nodes.haproxy.waitForNode(1, "UP", std::chrono::seconds(20));
    nodes.haproxy.waitForNode(2, "UP", std::chrono::seconds(20));
    Browser fresh;
    CHECK(logInFor(fresh, base).rfind("ST-", 0) == 0);
}

namespace {
struct Exchange {
    std::chrono::steady_clock::time_point start, end;
    bool ok = false;
    std::string what;
};

// One person with an open session, asking HAProxy for a ticket and validating it, again and
// again, each exchange recorded.
class SessionLoad {
  public:
    SessionLoad(std::string base, Browser browser) : base_(std::move(base)), browser_(browser) {}

    void run(const std::atomic<bool>& stop) {
        while (!stop) {
            auto start = std::chrono::steady_clock::now();
            std::string ticket, failure;
            try {
                auto r = browser_.get(casLogin(base_));
                if (r.isRedirect()) ticket = queryParameter(r.location(), "ticket").value_or("");
                if (ticket.empty()) failure = "ticket request: " + std::to_string(r.status);
            } catch (const HarnessError& e) {
                failure = std::string("ticket request: ") + e.what();
            }
            record(start, failure);
            if (!failure.empty()) continue;
            start = std::chrono::steady_clock::now();
            try {
                auto xml = validate(base_, ticket);
                if (!validFor(xml, teacher.login)) failure = "validation: " + xml;
            } catch (const HarnessError& e) {
                failure = std::string("validation: ") + e.what();
            }
            record(start, failure);
        }
    }

    std::vector<Exchange> exchanges() const {
        std::lock_guard lock(mutex_);
        return exchanges_;
    }
    std::size_t successes() const {
        std::lock_guard lock(mutex_);
        return successes_;
    }
    // Successful exchanges that started at or after `after`.
    std::size_t successesSince(std::chrono::steady_clock::time_point after) const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(exchanges_.begin(), exchanges_.end(),
                          [&](const Exchange& e) { return e.ok && e.start >= after; }));
    }

  private:
    void record(std::chrono::steady_clock::time_point start, const std::string& failure) {
        std::lock_guard lock(mutex_);
        exchanges_.push_back({start, std::chrono::steady_clock::now(), failure.empty(), failure});
        if (failure.empty()) ++successes_;
    }

    std::string base_;
    Browser browser_;
    mutable std::mutex mutex_;
    std::vector<Exchange> exchanges_;
    std::size_t successes_ = 0;
};
}  // namespace

TEST_CASE("a node killed under load behind HAProxy: no session lost", "[interop][redis][ldap]") {
    TwoNodes nodes;  // its own: one of its nodes dies
    const std::string base = nodes.haproxy.baseUrl();
    constexpr int sessions = 6;
    std::vector<std::unique_ptr<SessionLoad>> loads;
    for (int i = 0; i < sessions; ++i) {
        Browser browser;
        REQUIRE_FALSE(logInFor(browser, base).empty());
        loads.push_back(std::make_unique<SessionLoad>(base, browser));
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (auto& load : loads) threads.emplace_back([&stop, l = load.get()] { l->run(stop); });
    auto total = [&] {
        std::size_t n = 0;
        for (auto& load : loads) n += load->successes();
        return n;
    };
    auto stopLoad = [&] {
        stop = true;
        for (auto& t : threads) t.join();
        threads.clear();
    };
    std::chrono::steady_clock::time_point killStart, killEnd;
    try {
        // Under way on both nodes first.
        waitUntil([&] { return total() >= 60; }, std::chrono::seconds(30), "load before the kill");
        REQUIRE(nodes.haproxy.nodeRequests(1) > 0);
        REQUIRE(nodes.haproxy.nodeRequests(2) > 0);

        killStart = std::chrono::steady_clock::now();
        ::kill(nodes.node1.process().pid(), SIGKILL);
        REQUIRE(nodes.node1.process().waitForExit(std::chrono::seconds(5)));
        killEnd = std::chrono::steady_clock::now();

        // Every session goes on getting tickets and validations, now from node 2 alone.
        waitUntil(
            [&] {
                return std::all_of(loads.begin(), loads.end(),
                                   [&](auto& l) { return l->successesSince(killEnd) >= 20; });
            },
            std::chrono::seconds(60), "every session to get 20 answers after the kill");
    } catch (...) {
        stopLoad();
        throw;
    }
    stopLoad();
    INFO(nodes.logs());
    nodes.haproxy.waitForNode(1, "DOWN", std::chrono::seconds(10));
    CHECK(nodes.haproxy.nodeStatus(2) == "UP");

    // The only failures are exchanges that were under way when node 1 died.
    std::size_t failures = 0;
    for (auto& load : loads) {
        for (const auto& e : load->exchanges()) {
            if (e.ok) continue;
            ++failures;
            const bool inFlight = e.start < killEnd && e.end > killStart;
            INFO(e.what);
            CHECK(inFlight);
        }
    }
    CHECK(failures <= static_cast<std::size_t>(sessions));
}
