// The log line and the metrics exposition as an operator's tools read them: one JSON object per
// line (escaped as any JSON parser expects, secrets redacted) and Prometheus text whose counters
// and cumulative histogram buckets add up, whether a series is reached by its label values or
// through a handle resolved once.
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "test/unit/core/captured_stderr.hpp"

namespace core = sesame::core;

using sesame::test::capturedStderr;

TEST_CASE("a log line is one JSON object with its fields escaped and secrets redacted",
          "[unit][core]") {
    core::Logger log("test");
    std::string tricky = "quote \" backslash \\ newline \n tab \t bell \x07 del \x7f é";
    std::string out = capturedStderr([&] {
        core::setCurrentRequestId("req-1");
        log.info(
            "event \"x\"",
            {{"detail", tricky}, {"password", "hunter2"}, {"target", "ST-abc"}, {"empty", ""}});
        core::setCurrentRequestId({});
    });
    REQUIRE(!out.empty());
    CHECK(out.back() == '\n');
    CHECK(out.find('\n') == out.size() - 1);  // one line: the newline in the field is escaped
    auto value = boost::json::parse(out);
    auto& o = value.as_object();
    auto text = [&](const char* key) { return std::string(o.at(key).as_string()); };
    CHECK(text("level") == "info");
    CHECK(text("component") == "test");
    CHECK(text("event") == "event \"x\"");
    CHECK(text("request_id") == "req-1");
    CHECK(text("detail") == tricky);
    CHECK(text("password") == "[redacted]");
    CHECK(text("target") == "[redacted]");
    CHECK(text("empty") == "");
    CHECK(out.find("\\u0007") != std::string::npos);  // control characters as \u00xx
    std::string ts = text("ts");
    CHECK(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST_CASE("a field named like a secret is redacted whatever its case", "[unit][core]") {
    core::Logger log("test");
    std::string out = capturedStderr([&] { log.warning("e", {{"SAMLResponse", "PHNhbWw+"}}); });
    CHECK(boost::json::parse(out).as_object().at("SAMLResponse").as_string() == "[redacted]");
}

TEST_CASE("a logged URL keeps its shape with the secret parameters redacted", "[unit][core]") {
    CHECK(core::redactQuery("/cas/serviceValidate?service=https%3A%2F%2Fent%2F&ticket=ST-1&"
                            "pgtUrl=https://p/&empty=&flag&x=PT-2") ==
          "/cas/serviceValidate?service=https%3A%2F%2Fent%2F&ticket=[redacted]&"
          "pgtUrl=[redacted]&empty=&flag&x=[redacted]");
    CHECK(core::redactQuery("/login") == "/login");
    CHECK(core::redactQuery("/a?") == "/a?");
}

TEST_CASE("a batching thread holds its info lines until the flush, in order", "[unit][core]") {
    core::Logger log("test");
    int scheduled = 0;
    std::string out = capturedStderr([&] {
        std::thread worker([&] {
            core::bufferLogLines([&] { ++scheduled; });
            log.info("first");
            log.info("second");
            core::flushLogLines();
            log.info("third");
            log.warning("fourth");  // at once, with "third" before it
            log.info("fifth");
            core::bufferLogLines({});  // turning batching off flushes "fifth"
        });
        worker.join();
    });
    CHECK(scheduled == 3);  // each time a line entered an empty buffer: first, third, fifth
    std::vector<std::string> events;
    for (std::size_t at = 0; at < out.size();) {
        auto end = out.find('\n', at);
        REQUIRE(end != std::string::npos);
        events.emplace_back(boost::json::parse(out.substr(at, end - at)).at("event").as_string());
        at = end + 1;
    }
    CHECK(events == std::vector<std::string>{"first", "second", "third", "fourth", "fifth"});
}

TEST_CASE("a buffered info line is not written before the flush", "[unit][core]") {
    core::Logger log("test");
    std::string seenBeforeFlush;
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file), STDERR_FILENO);
    std::thread worker([&] {
        core::bufferLogLines([] {});
        log.info("held");
        seenBeforeFlush = std::to_string(::lseek(STDERR_FILENO, 0, SEEK_END));
        core::bufferLogLines({});
    });
    worker.join();
    long after = ::lseek(STDERR_FILENO, 0, SEEK_END);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::fclose(file);
    CHECK(seenBeforeFlush == "0");
    CHECK(after > 0);
}

TEST_CASE("batched lines from several threads reach a pipe whole", "[unit][core]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[1]);
    std::string received;
    std::thread reader([&] {
        char buffer[65536];
        for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
            received.append(buffer, n);
    });
    const std::string padding(300, 'x');  // lines of ~400 bytes: a 16 kB batch holds ~40
    auto writer = [&](const char* who) {
        core::Logger log(who);
        core::bufferLogLines([] {});  // never flushed by a loop: only the 16 kB limit writes
        for (int i = 0; i < 2000; ++i)
            log.info("line", {{"i", std::to_string(i)}, {"pad", padding}});
        core::bufferLogLines({});
    };
    std::thread a(writer, "a"), b(writer, "b");
    a.join();
    b.join();
    ::dup2(saved, STDERR_FILENO);  // closes the pipe's last writer: the reader sees its end
    ::close(saved);
    reader.join();
    ::close(fds[0]);
    std::map<std::string, int> next{{"a", 0}, {"b", 0}};
    std::size_t lines = 0;
    for (std::size_t at = 0; at < received.size(); ++lines) {
        auto end = received.find('\n', at);
        REQUIRE(end != std::string::npos);
        boost::system::error_code ec;
        auto line = boost::json::parse(received.substr(at, end - at), ec);
        REQUIRE_FALSE(ec);  // no line cut by another thread's write
        std::string who(line.at("component").as_string());
        REQUIRE(std::string(line.at("i").as_string()) == std::to_string(next[who]++));
        at = end + 1;
    }
    CHECK(lines == 4000);
}

TEST_CASE("counter handles and label lookups add to the same series", "[unit][core]") {
    core::MetricsRegistry registry;
    auto& requests = registry.counter("t_requests_total", "Requests", {"route", "status"});
    auto& series = requests.series({"/a", "200"});
    series.inc();
    series.inc(2);
    requests.inc({"/a", "200"});
    requests.inc({"/b", "404"});
    CHECK(requests.value({"/a", "200"}) == 4);
    std::string text = registry.render();
    CHECK(text.find("t_requests_total{route=\"/a\",status=\"200\"} 4\n") != std::string::npos);
    CHECK(text.find("t_requests_total{route=\"/b\",status=\"404\"} 1\n") != std::string::npos);
}

TEST_CASE("histogram buckets are cumulative and the count matches +Inf", "[unit][core]") {
    core::MetricsRegistry registry;
    auto& latency = registry.histogram("t_seconds", "Latency", {"route"}, {0.1, 1});
    auto& series = latency.series({"/a"});
    series.observe(0.05);
    series.observe(0.5);
    latency.observe({"/a"}, 2);
    latency.observe({"/a"}, 1);  // "le" includes the bound
    std::string text = registry.render();
    CHECK(text.find("t_seconds_bucket{route=\"/a\",le=\"0.10000000000000001\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("t_seconds_bucket{route=\"/a\",le=\"1\"} 3\n") != std::string::npos);
    CHECK(text.find("t_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n") != std::string::npos);
    CHECK(text.find("t_seconds_sum{route=\"/a\"} 3.5499999999999998\n") != std::string::npos);
    CHECK(text.find("t_seconds_count{route=\"/a\"} 4\n") != std::string::npos);
}
