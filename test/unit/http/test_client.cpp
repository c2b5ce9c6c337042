#include "test/unit/http/test_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <tuple>

namespace sesame::http::test {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
namespace {
constexpr auto asTuple = asio::as_tuple(asio::use_awaitable);
}

RawClient::RawClient(std::uint16_t port) {
    boost::system::error_code ec;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
}

bool RawClient::send(const std::string& bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes), ec);
    return !ec;
}

std::optional<Response> RawClient::read(std::chrono::milliseconds timeout) {
    auto op = [this]() -> asio::awaitable<std::optional<Response>> {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(1 << 20);
        auto [ec, n] = co_await bhttp::async_read(socket_, buffer_, parser, asTuple);
        if (ec) co_return std::nullopt;
        co_return parser.release();
    };
    auto result = run<std::optional<Response>>(op(), timeout);
    return result ? *result : std::nullopt;
}

bool RawClient::closedWithin(std::chrono::milliseconds timeout) {
    auto op = [this]() -> asio::awaitable<bool> {
        char scratch[1024];
        for (;;) {
            auto [ec, n] = co_await socket_.async_read_some(asio::buffer(scratch), asTuple);
            if (ec) co_return ec != asio::error::operation_aborted;
        }
    };
    auto result = run<bool>(op(), timeout);
    return result && *result;
}

std::string getRequest(const std::string& target, const std::string& extra) {
    return "GET " + target + " HTTP/1.1\r\nHost: sesame.test\r\n" + extra + "\r\n";
}

}  // namespace sesame::http::test
