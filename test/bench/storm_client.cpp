// The login storm benchmark's client (test/bench/run.sh --storm): an open-loop load, which wrk
// (closed-loop: a connection sends its next request only when the previous one was answered)
// cannot offer. Plain HTTP to Sesame on loopback, as run.sh's plain instance.
//
//   storm_client <port> <rate per second> <seconds> <SESAME=session cookie> <encoded service>
//
// 1. Prepares rate x seconds login flows beforehand (GET /cas/login?service=..., then the login
//    form of the "academie" choice for its CSRF token), so that the storm itself is password
//    logins only.
// 2. The storm: login i is due at start + i / rate, whether or not earlier ones were answered,
//    each on a connection of its own (a browser of its own); its latency is counted from the
//    time it was due, so a client that falls behind does not hide the wait (no coordinated
//    omission). Meanwhile 4 people who already have a session ask for 50 service tickets per
//    second each.
// 3. Prints logins accepted per second, p50/p99 of accepted logins, the share shed (503), other
//    answers, and p50/p99 of ticket issuance for the open session during the storm.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
using asio::use_awaitable;

namespace {

struct Target {
    asio::ip::tcp::endpoint endpoint;
    std::string service;  // percent-encoded
    std::string sessionCookie;
};

struct Flow {
    std::string browser, id, csrf;  // SESAME_FLOW cookie, flow id, CSRF token
};

struct Results {
    std::vector<double> accepted;  // ms from when the login was due
    std::map<int, int> byStatus;
    int failed = 0;               // no answer (connection error or timeout)
    std::vector<double> tickets;  // ms per issuance for the open sessions
    int ticketErrors = 0;
};

using Response = http::response<http::string_body>;

asio::awaitable<std::optional<Response>> exchange(beast::tcp_stream& stream,
                                                  http::request<http::string_body> request) {
    request.set(http::field::host, "127.0.0.1");
    request.prepare_payload();
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream, request, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    beast::flat_buffer buffer;
    Response response;
    co_await http::async_read(stream, buffer, response, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    co_return response;
}

std::string between(const std::string& text, const std::string& before, char end) {
    auto at = text.find(before);
    if (at == std::string::npos) return {};
    at += before.size();
    return text.substr(at, text.find(end, at) - at);
}

// One login flow, up to its form: the flow cookie, the flow id and the CSRF token.
asio::awaitable<std::optional<Flow>> prepareFlow(beast::tcp_stream& stream, const Target& t) {
    http::request<http::string_body> start{http::verb::get, "/cas/login?service=" + t.service, 11};
    auto started = co_await exchange(stream, start);
    if (!started || started->result_int() != 303) co_return std::nullopt;
    Flow flow;
    flow.browser = between(std::string((*started)[http::field::set_cookie]), "SESAME_FLOW=", ';');
    flow.id = between(std::string((*started)[http::field::location]), "flow=", '&');
    http::request<http::string_body> form{http::verb::get,
                                          "/login?flow=" + flow.id + "&choice=academie", 11};
    form.set(http::field::cookie, "SESAME_FLOW=" + flow.browser);
    auto page = co_await exchange(stream, form);
    if (!page || page->result_int() != 200) co_return std::nullopt;
    flow.csrf = between(page->body(), "name=\"csrf\" value=\"", '"');
    if (flow.browser.empty() || flow.id.empty() || flow.csrf.empty()) co_return std::nullopt;
    co_return flow;
}

asio::awaitable<void> prepareFlows(const Target& t, std::vector<Flow>& flows, std::size_t want,
                                   std::size_t& next) {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    co_await stream.async_connect(t.endpoint, use_awaitable);
    while (next < want) {
        std::size_t i = next++;
        auto flow = co_await prepareFlow(stream, t);
        if (!flow) throw std::runtime_error("could not prepare login flow " + std::to_string(i));
        flows[i] = std::move(*flow);
    }
}

// One password login, due at `due`, on a connection of its own.
asio::awaitable<void> logIn(const Target& t, const Flow& flow, Clock::time_point due,
                            Results& results) {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(30));
    co_await stream.async_connect(t.endpoint, asio::redirect_error(use_awaitable, ec));
    if (ec) {
        ++results.failed;
        co_return;
    }
    http::request<http::string_body> post{http::verb::post, "/login", 11};
    post.set(http::field::cookie, "SESAME_FLOW=" + flow.browser);
    post.set(http::field::content_type, "application/x-www-form-urlencoded");
    post.set(http::field::connection, "close");
    post.body() = "flow=" + flow.id + "&choice=academie&csrf=" + flow.csrf +
                  "&login=prof.herriot&password=demo";
    auto answer = co_await exchange(stream, std::move(post));
    if (!answer) {
        ++results.failed;
        co_return;
    }
    int status = answer->result_int();
    ++results.byStatus[status];
    if (status == 302 || status == 303)
        results.accepted.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - due).count());
}

// People with a session ask for a service ticket every 20 ms each (50 per second), until the
// storm ends: a steady SSO load, not a second storm.
asio::awaitable<void> issueTickets(const Target& t, Clock::time_point end, Results& results) {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    co_await stream.async_connect(t.endpoint, use_awaitable);
    asio::steady_timer pace(executor);
    for (auto due = Clock::now(); due < end; due += std::chrono::milliseconds(20)) {
        pace.expires_at(due);
        co_await pace.async_wait(use_awaitable);
        http::request<http::string_body> get{http::verb::get, "/cas/login?service=" + t.service,
                                             11};
        get.set(http::field::cookie, t.sessionCookie);
        auto sent = Clock::now();
        auto answer = co_await exchange(stream, get);
        if (!answer) {
            ++results.ticketErrors;
            stream.close();
            co_await stream.async_connect(t.endpoint, use_awaitable);
            continue;
        }
        bool ticket =
            (answer->result_int() == 302 || answer->result_int() == 303) &&
            std::string((*answer)[http::field::location]).find("ticket=ST-") != std::string::npos;
        if (!ticket) {
            ++results.ticketErrors;
            continue;
        }
        results.tickets.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    }
}

asio::awaitable<void> storm(const Target& t, const std::vector<Flow>& flows, double rate,
                            Results& results, Clock::time_point& start, Clock::time_point& end) {
    auto executor = co_await asio::this_coro::executor;
    start = Clock::now();
    end = start + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(flows.size() / rate));
    for (int i = 0; i < 4; ++i)
        asio::co_spawn(executor, issueTickets(t, end, results), asio::detached);
    asio::steady_timer timer(executor);
    for (std::size_t i = 0; i < flows.size(); ++i) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(i / rate));
        timer.expires_at(due);
        co_await timer.async_wait(use_awaitable);
        asio::co_spawn(executor, logIn(t, flows[i], due, results), asio::detached);
    }
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100 * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: storm_client <port> <rate> <seconds> <SESAME=cookie> <service>\n";
        return 2;
    }
    Target target{
        {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(argv[1]))},
        argv[5],
        argv[4]};
    const double rate = std::stod(argv[2]);
    const double seconds = std::stod(argv[3]);
    const auto total = static_cast<std::size_t>(rate * seconds);

    asio::io_context io;
    std::vector<Flow> flows(total);
    std::size_t next = 0;
    auto prepared = Clock::now();
    for (int i = 0; i < 16; ++i)
        asio::co_spawn(io, prepareFlows(target, flows, total, next), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    std::fprintf(stderr, "storm: %zu login flows prepared in %.1f s\n", total,
                 std::chrono::duration<double>(Clock::now() - prepared).count());

    io.restart();
    Results results;
    Clock::time_point start, end;
    asio::co_spawn(io, storm(target, flows, rate, results, start, end), asio::detached);
    io.run();  // until the last login and the ticket loops are done

    const double span = std::chrono::duration<double>(end - start).count();
    const auto accepted = results.accepted.size();
    const int shed = results.byStatus.count(503) ? results.byStatus[503] : 0;
    std::printf("offered: %.0f password logins/s for %.0f s (%zu logins, LDAP bind)\n", rate,
                seconds, total);
    std::printf("accepted: %zu (%.0f/s), p50 %.1f ms, p99 %.1f ms (from when each was due)\n",
                accepted, accepted / span, percentile(results.accepted, 50),
                percentile(results.accepted, 99));
    std::printf("shed (503 + Retry-After): %d (%.1f %%)\n", shed, 100.0 * shed / total);
    std::printf("other answers:");
    for (const auto& [status, n] : results.byStatus)
        if (status != 302 && status != 303 && status != 503) std::printf(" %d x%d", status, n);
    std::printf(" no answer x%d\n", results.failed);
    std::printf(
        "ticket issuance for open sessions during the storm: %zu, p50 %.2f ms, p99 %.2f "
        "ms, errors %d\n",
        results.tickets.size(), percentile(results.tickets, 50), percentile(results.tickets, 99),
        results.ticketErrors);
    return 0;
}
