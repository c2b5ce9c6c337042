#pragma once
// A raw TCP client for the server tests: it writes exactly the bytes a test gives (garbage,
// half a header, a lying Content-Length) and reads replies with Beast, every wait bounded.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace sesame::http::test {

using Response = boost::beast::http::response<boost::beast::http::string_body>;
using namespace std::chrono_literals;

class RawClient {
  public:
    explicit RawClient(std::uint16_t port);
    bool connected() const { return connected_; }
    bool send(const std::string& bytes);
    // One response, or nothing when the server closed (or said nothing) within `timeout`.
    std::optional<Response> read(std::chrono::milliseconds timeout = 5s);
    // True when the server closes the connection within `timeout` (bytes before are dropped).
    bool closedWithin(std::chrono::milliseconds timeout);

  private:
    template <class T>
    std::optional<T> run(boost::asio::awaitable<T> op, std::chrono::milliseconds timeout) {
        std::optional<T> result;
        bool done = false;
        boost::asio::co_spawn(context_, std::move(op), [&](std::exception_ptr e, T value) {
            done = true;
            if (!e) result = std::move(value);
        });
        context_.restart();
        context_.run_for(timeout);
        if (!done) {
            boost::system::error_code ec;
            socket_.cancel(ec);
            context_.restart();
            context_.run();
            result.reset();
        }
        return result;
    }

    boost::asio::io_context context_;
    boost::asio::ip::tcp::socket socket_{context_};
    boost::beast::flat_buffer buffer_;
    bool connected_ = false;
};

// "GET <target> HTTP/1.1" with Host and the extra header lines given (each ending in \r\n).
std::string getRequest(const std::string& target, const std::string& extra = {});

}  // namespace sesame::http::test
