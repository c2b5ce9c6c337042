#include "test/integration/https_callback.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>

namespace sesame::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpsCallback::State {
    asio::io_context context;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    asio::ip::tcp::acceptor acceptor{context};
    mutable std::mutex mutex;
    std::vector<std::string> targets;
    std::map<std::string, std::pair<int, std::string>> served;  // by path
};

HttpsCallback::HttpsCallback(const std::filesystem::path& certificate,
                             const std::filesystem::path& key)
    : state_(std::make_shared<State>()) {
    state_->tls.use_certificate_chain_file(certificate.string());
    state_->tls.use_private_key_file(key.string(), asio::ssl::context::pem);
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    port_ = state_->acceptor.local_endpoint().port();
    thread_ = std::thread([state = state_] {
        for (;;) {
            boost::system::error_code ec;
            asio::ip::tcp::socket socket(state->context);
            state->acceptor.accept(socket, ec);
            if (ec) return;  // closed by the destructor
            beast::ssl_stream<asio::ip::tcp::socket> stream(std::move(socket), state->tls);
            stream.handshake(asio::ssl::stream_base::server, ec);
            if (ec) continue;
            beast::flat_buffer buffer;
            http::request<http::string_body> request;
            http::read(stream, buffer, request, ec);
            if (ec) continue;
            std::pair<int, std::string> answer{200, "ok"};
            {
                std::lock_guard lock(state->mutex);
                state->targets.emplace_back(request.target());
                auto found = state->served.find(std::string(request.target()));
                if (found != state->served.end()) answer = found->second;
            }
            http::response<http::string_body> response{static_cast<http::status>(answer.first), 11};
            response.set(http::field::content_type, "text/plain");
            response.body() = std::move(answer.second);
            response.prepare_payload();
            http::write(stream, response, ec);
            stream.shutdown(ec);
        }
    });
}

HttpsCallback::~HttpsCallback() {
    boost::system::error_code ec;
    state_->acceptor.cancel(ec);
    ::shutdown(state_->acceptor.native_handle(), SHUT_RDWR);
    state_->acceptor.close(ec);
    if (thread_.joinable()) thread_.join();
}

std::vector<std::string> HttpsCallback::targets() const {
    std::lock_guard lock(state_->mutex);
    return state_->targets;
}

void HttpsCallback::serve(const std::string& path, int status, std::string body) {
    std::lock_guard lock(state_->mutex);
    state_->served[path] = {status, std::move(body)};
}

}  // namespace sesame::testing
