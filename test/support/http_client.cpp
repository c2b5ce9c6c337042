#include "test/support/http_client.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <cctype>
#include <ctime>

#include "test/support/harness_error.hpp"

namespace sesame::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using asio::ip::tcp;

namespace {

// https, or loopback over http: where browsers keep and send Secure cookies.
bool secureOrigin(const Url& url) {
    return url.https() || url.host == "127.0.0.1" || url.host == "localhost" || url.host == "[::1]";
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::optional<std::chrono::system_clock::time_point> parseHttpDate(std::string_view text) {
    std::string s(trim(text));
    std::replace(s.begin(), s.end(), '-', ' ');
    std::tm tm{};
    for (const char* format :
         {"%a, %d %b %Y %H:%M:%S", "%A, %d %b %y %H:%M:%S", "%a %b %d %H:%M:%S %Y"}) {
        tm = {};
        if (::strptime(s.c_str(), format, &tm) != nullptr) {
            return std::chrono::system_clock::from_time_t(::timegm(&tm));
        }
    }
    return std::nullopt;
}

// RFC 6265 section 5.1.4.
std::string defaultPath(const std::string& requestPath) {
    if (requestPath.empty() || requestPath[0] != '/') return "/";
    auto last = requestPath.rfind('/');
    return last == 0 ? "/" : requestPath.substr(0, last);
}

bool pathMatches(const std::string& requestPath, const std::string& cookiePath) {
    if (requestPath == cookiePath) return true;
    if (requestPath.compare(0, cookiePath.size(), cookiePath) != 0) return false;
    return cookiePath.back() == '/' || requestPath[cookiePath.size()] == '/';
}

bool expired(const Cookie& c, std::chrono::system_clock::time_point now) {
    return c.expires && *c.expires <= now;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// URLs

Url Url::parse(std::string_view text) {
    auto parsed = urls::parse_uri(text);
    if (!parsed) throw HarnessError("not an absolute URL: '" + std::string(text) + "'");
    urls::url_view u = *parsed;
    Url url;
    url.scheme = std::string(u.scheme());
    std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(), ::tolower);
    if (url.scheme != "http" && url.scheme != "https") {
        throw HarnessError("unsupported scheme in '" + std::string(text) + "'");
    }
    url.host = u.host_type() == urls::host_type::ipv6 ? u.host_ipv6_address().to_string()
                                                      : std::string(u.encoded_host());
    url.port = u.has_port() ? u.port_number() : (url.https() ? 443 : 80);
    url.target = std::string(u.encoded_path());
    if (url.target.empty()) url.target = "/";
    if (u.has_query()) url.target += "?" + std::string(u.encoded_query());
    return url;
}

std::string Url::path() const {
    return target.substr(0, target.find('?'));
}

std::string Url::query() const {
    auto q = target.find('?');
    return q == std::string::npos ? "" : target.substr(q + 1);
}

std::string Url::origin() const {
    bool defaultPort = (https() && port == 443) || (!https() && port == 80);
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return scheme + "://" + h + (defaultPort ? "" : ":" + std::to_string(port));
}

std::string resolveUrl(std::string_view base, std::string_view reference) {
    auto b = urls::parse_uri(base);
    auto r = urls::parse_uri_reference(reference);
    if (!b || !r) {
        throw HarnessError("cannot resolve '" + std::string(reference) + "' against '" +
                           std::string(base) + "'");
    }
    urls::url out;
    auto ok = urls::resolve(*b, *r, out);
    if (!ok) throw HarnessError("cannot resolve '" + std::string(reference) + "'");
    out.normalize_scheme();
    return std::string(out.buffer());
}

std::optional<std::string> queryParameter(std::string_view url, std::string_view name) {
    auto parsed = urls::parse_uri_reference(url);
    if (!parsed) return std::nullopt;
    for (auto param : parsed->params()) {
        if (param.key == name) return std::string(param.value);
    }
    return std::nullopt;
}

std::string percentEncode(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string formEncode(const Fields& fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty()) out += '&';
        out += percentEncode(k) + "=" + percentEncode(v);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Cookies

void CookieJar::store(const Url& from, std::string_view setCookie) {
    Cookie c;
    c.host = from.host;
    std::string_view rest = setCookie;
    auto semi = rest.find(';');
    std::string_view pair = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) return;  // RFC 6265 5.2: ignore the whole header
    c.name = std::string(trim(pair.substr(0, eq)));
    c.value = std::string(trim(pair.substr(eq + 1)));
    if (c.name.empty()) return;
    c.path = defaultPath(from.path());
    std::optional<long long> maxAge;
    while (!rest.empty()) {
        semi = rest.find(';');
        std::string_view attr = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        auto aeq = attr.find('=');
        std::string_view key = trim(attr.substr(0, aeq));
        std::string_view val = aeq == std::string_view::npos ? "" : trim(attr.substr(aeq + 1));
        if (iequals(key, "Path")) {
            if (!val.empty() && val[0] == '/') c.path = std::string(val);
        } else if (iequals(key, "Max-Age")) {
            try {
                maxAge = std::stoll(std::string(val));
            } catch (...) {
            }
        } else if (iequals(key, "Expires")) {
            if (auto when = parseHttpDate(val)) c.expires = when;
        } else if (iequals(key, "Secure")) {
            c.secure = true;
        } else if (iequals(key, "HttpOnly")) {
            c.httpOnly = true;
        }
        // Domain is ignored on purpose: every cookie is host-only, which is what Sesame sets.
    }
    const auto now = std::chrono::system_clock::now();
    if (maxAge)
        c.expires =
            *maxAge <= 0 ? now - std::chrono::seconds(1) : now + std::chrono::seconds(*maxAge);
    // RFC 6265bis 5.6: a Secure cookie may only be set by a secure origin; as browsers do,
    // loopback over http is one (a "potentially trustworthy" origin, Secure Contexts §3.2).
    if (c.secure && !secureOrigin(from)) return;
    cookies_.erase(std::remove_if(cookies_.begin(), cookies_.end(),
                                  [&](const Cookie& o) {
                                      return iequals(o.host, c.host) && o.name == c.name &&
                                             o.path == c.path;
                                  }),
                   cookies_.end());
    if (!expired(c, now)) cookies_.push_back(std::move(c));
}

std::string CookieJar::cookieHeader(const Url& to) const {
    const auto now = std::chrono::system_clock::now();
    const std::string path = to.path();
    std::vector<const Cookie*> matching;
    for (const auto& c : cookies_) {
        if (iequals(c.host, to.host) && pathMatches(path, c.path) &&
            (!c.secure || secureOrigin(to)) && !expired(c, now)) {
            matching.push_back(&c);
        }
    }
    std::stable_sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
        return a->path.size() > b->path.size();
    });
    std::string header;
    for (const Cookie* c : matching) {
        if (!header.empty()) header += "; ";
        header += c->name + "=" + c->value;
    }
    return header;
}

std::optional<std::string> CookieJar::value(std::string_view host, std::string_view name) const {
    const auto now = std::chrono::system_clock::now();
    for (const auto& c : cookies_) {
        if (iequals(c.host, host) && c.name == name && !expired(c, now)) return c.value;
    }
    return std::nullopt;
}

std::vector<Cookie> CookieJar::all() const {
    const auto now = std::chrono::system_clock::now();
    std::vector<Cookie> out;
    for (const auto& c : cookies_) {
        if (!expired(c, now)) out.push_back(c);
    }
    return out;
}

void CookieJar::remove(std::string_view host, std::string_view name) {
    cookies_.erase(
        std::remove_if(cookies_.begin(), cookies_.end(),
                       [&](const Cookie& c) { return iequals(c.host, host) && c.name == name; }),
        cookies_.end());
}

std::size_t CookieJar::size() const {
    return all().size();
}

// ---------------------------------------------------------------------------------------------
// Responses

std::optional<std::string> Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return std::nullopt;
}

std::vector<std::string> Response::headerValues(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) out.push_back(v);
    }
    return out;
}

std::string Response::location() const {
    auto loc = header("Location");
    if (!loc) {
        throw HarnessError("expected a redirect from " + url + ", got status " +
                           std::to_string(status) + " without Location");
    }
    return resolveUrl(url, *loc);
}

// ---------------------------------------------------------------------------------------------
// Exchanges: Beast's asynchronous operations run to completion on a private io_context, so that
// the stream's timeout applies to every step (connect, handshake, write, read).

namespace {

struct Exchange {
    http::request<http::string_body> request;
    std::chrono::milliseconds timeout;
    std::size_t bodyLimit;
};

template <class Stream>
asio::awaitable<http::response<http::string_body>> roundTrip(Stream& stream, Exchange& ex) {
    co_await http::async_write(stream, ex.request, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(ex.bodyLimit);
    parser.header_limit(256 * 1024);
    if (ex.request.method() == http::verb::head) parser.skip(true);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    co_return parser.release();
}

asio::awaitable<http::response<http::string_body>> perform(const Url& url, Exchange& ex,
                                                           ssl::context& tlsContext, bool verify) {
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto endpoints =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), asio::use_awaitable);
    beast::tcp_stream tcpStream(executor);
    tcpStream.expires_after(ex.timeout);
    co_await tcpStream.async_connect(endpoints, asio::use_awaitable);
    if (!url.https()) {
        auto response = co_await roundTrip(tcpStream, ex);
        beast::error_code ignored;
        tcpStream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return response;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcpStream), tlsContext);
    boost::system::error_code ec;
    asio::ip::make_address(url.host, ec);
    if (ec) {  // SNI carries host names only
        SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
    }
    if (verify) {
        tls.set_verify_mode(ssl::verify_peer);
        tls.set_verify_callback(ssl::host_name_verification(url.host));
    } else {
        tls.set_verify_mode(ssl::verify_none);
    }
    co_await tls.async_handshake(ssl::stream_base::client, asio::use_awaitable);
    auto response = co_await roundTrip(tls, ex);
    beast::get_lowest_layer(tls).socket().close(ec);  // no close_notify wait: Connection: close
    co_return response;
}

}  // namespace

Browser::Browser(BrowserOptions options) : options_(std::move(options)) {}

Browser& Browser::followRedirects(int maxHops) {
    maxHops_ = maxHops;
    return *this;
}

Response Browser::exchange(const std::string& method, const Url& url, const std::string& body,
                           const Fields& headers) {
    Exchange ex{{}, options_.timeout, options_.bodyLimit};
    ex.request.method_string(method);
    ex.request.target(url.target);
    ex.request.version(11);
    Url hostOnly = url;
    ex.request.set(http::field::host, hostOnly.origin().substr(url.scheme.size() + 3));
    ex.request.set(http::field::user_agent, options_.userAgent);
    ex.request.set(http::field::accept, "*/*");
    ex.request.set(http::field::connection, "close");
    std::string cookie = jar_.cookieHeader(url);
    if (!cookie.empty()) ex.request.set(http::field::cookie, cookie);
    for (const auto& [k, v] : headers) ex.request.insert(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
        ex.request.body() = body;
        ex.request.prepare_payload();
    }

    ssl::context tlsContext(ssl::context::tls_client);
    bool verify = options_.caFile.has_value();
    if (verify) tlsContext.load_verify_file(options_.caFile->string());

    asio::io_context ioc;
    auto future = asio::co_spawn(ioc, perform(url, ex, tlsContext, verify), asio::use_future);
    ioc.run();
    http::response<http::string_body> res;
    try {
        res = future.get();
    } catch (const std::exception& e) {
        throw HarnessError(method + " " + url.toString() + " failed: " + e.what());
    }
    Response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    out.url = url.toString();
    out.hops.push_back({out.url, out.status});
    for (const auto& value : out.headerValues("Set-Cookie")) jar_.store(url, value);
    return out;
}

Response Browser::request(const std::string& method, const std::string& url,
                          const std::string& body, const Fields& headers) {
    return maybeFollow(exchange(method, Url::parse(url), body, headers));
}

Response Browser::get(const std::string& url, const Fields& headers) {
    return request("GET", url, "", headers);
}

Response Browser::post(const std::string& url, const Fields& form, const Fields& headers) {
    return postRaw(url, "application/x-www-form-urlencoded", formEncode(form), headers);
}

Response Browser::postRaw(const std::string& url, const std::string& contentType,
                          const std::string& body, const Fields& headers) {
    Fields all = headers;
    all.emplace_back("Content-Type", contentType);
    return request("POST", url, body, all);
}

Response Browser::maybeFollow(Response r) {
    return maxHops_ > 0 ? follow(r, maxHops_) : r;
}

Response Browser::follow(const Response& from, int maxHops) {
    Response current = from;
    std::vector<Hop> hops = from.hops;
    for (int hop = 0; current.isRedirect(); ++hop) {
        if (hop >= maxHops) {
            std::string trail;
            for (const auto& h : hops) trail += "\n  " + std::to_string(h.status) + " " + h.url;
            throw HarnessError("more than " + std::to_string(maxHops) + " redirects:" + trail);
        }
        // 307/308 would repeat the method and body; every redirect Sesame and CAS clients send
        // is a 302/303 to be fetched with GET.
        current = exchange("GET", Url::parse(current.location()), "", {});
        hops.push_back({current.url, current.status});
    }
    current.hops = std::move(hops);
    return current;
}

// ---------------------------------------------------------------------------------------------

namespace {

template <class Stream>
asio::awaitable<void> rawRoundTrip(Stream& stream, std::string_view bytes, const RawOptions& o,
                                   std::string& received) {
    co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()),
                               asio::use_awaitable);
    if (o.closeWrite) {
        boost::system::error_code ignored;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    char chunk[4096];
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk),
                                                       asio::as_tuple(asio::use_awaitable));
        received.append(chunk, n);
        if (ec || received.size() >= o.limit) co_return;  // EOF, reset or timeout all end it
    }
}

asio::awaitable<void> rawPerform(std::string host, int port, std::string_view bytes, RawOptions o,
                                 std::string& received) {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    stream.expires_after(o.timeout);
    co_await stream.async_connect(tcp::endpoint(asio::ip::make_address(host), port),
                                  asio::use_awaitable);
    if (!o.tls) {
        co_await rawRoundTrip(stream, bytes, o, received);
        co_return;
    }
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), ctx);
    co_await tls.async_handshake(ssl::stream_base::client, asio::use_awaitable);
    co_await rawRoundTrip(tls, bytes, o, received);
}

}  // namespace

std::string rawExchange(const std::string& host, int port, std::string_view bytes,
                        RawOptions options) {
    std::string received;
    asio::io_context ioc;
    auto future =
        asio::co_spawn(ioc, rawPerform(host, port, bytes, options, received), asio::use_future);
    ioc.run();
    try {
        future.get();
    } catch (const std::exception& e) {
        if (received.empty()) {
            throw HarnessError("raw exchange with " + host + ":" + std::to_string(port) +
                               " failed: " + e.what());
        }
    }
    return received;
}

}  // namespace sesame::testing
