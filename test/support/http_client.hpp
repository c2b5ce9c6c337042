#pragma once
// A synchronous HTTP/1.1 client for tests that behaves like a browser where Sesame cares: a cookie
// jar (RFC 6265 host-only cookies, Path, Max-Age/Expires deletion, Secure only over https), manual
// or followed redirects with every hop recorded, and forms. TLS verification is off by default
// (the test certificates are self-signed) or done against a CA file with host-name checking.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sesame::testing {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Url {
    std::string scheme;  // "http" or "https"
    std::string host;    // "127.0.0.1", "localhost" (IPv6 without brackets)
    std::uint16_t port = 0;
    std::string target;  // path and query, "/cas/login?service=..."

    static Url parse(std::string_view text);  // throws HarnessError
    bool https() const { return scheme == "https"; }
    std::string path() const;    // target without the query
    std::string query() const;   // after '?', without it
    std::string origin() const;  // "https://127.0.0.1:8443" (port omitted when default)
    std::string toString() const { return origin() + target; }
};
// RFC 3986 reference resolution: resolveUrl("https://h/cas/login", "../x?y") ...
std::string resolveUrl(std::string_view base, std::string_view reference);
// Value of a query parameter ("service", "ticket"), percent-decoded.
std::optional<std::string> queryParameter(std::string_view url, std::string_view name);
std::string formEncode(const Fields& fields);      // application/x-www-form-urlencoded
std::string percentEncode(std::string_view text);  // RFC 3986 unreserved kept

struct Cookie {
    std::string host, name, value, path;
    bool secure = false, httpOnly = false;
    std::optional<std::chrono::system_clock::time_point> expires;  // none: session cookie
};

class CookieJar {
  public:
    // Applies one Set-Cookie header received from `from`.
    void store(const Url& from, std::string_view setCookie);
    // The Cookie header to send to `to` (empty when none match): longest paths first.
    std::string cookieHeader(const Url& to) const;
    std::optional<std::string> value(std::string_view host, std::string_view name) const;
    std::vector<Cookie> all() const;
    void remove(std::string_view host, std::string_view name);
    void clear() { cookies_.clear(); }
    std::size_t size() const;

  private:
    std::vector<Cookie> cookies_;
};

struct Hop {
    std::string url;
    int status = 0;
};

struct Response {
    int status = 0;
    Fields headers;  // in received order, names as sent
    std::string body;
    std::string url;        // the URL this response came from (the last hop when following)
    std::vector<Hop> hops;  // every response on the way, this one included

    std::optional<std::string> header(std::string_view name) const;  // case-insensitive, first
    std::vector<std::string> headerValues(std::string_view name) const;
    bool isRedirect() const { return status >= 300 && status < 400 && header("Location"); }
    // The Location header resolved against `url`; throws HarnessError when there is none.
    std::string location() const;
};

struct BrowserOptions {
    std::optional<std::filesystem::path> caFile;  // set: verify the server's chain and name
    std::chrono::milliseconds timeout = std::chrono::seconds(10);  // per request
    std::string userAgent = "sesame-test-browser/1";
    std::size_t bodyLimit = 16 * 1024 * 1024;
};

class Browser {
  public:
    explicit Browser(BrowserOptions options = {});

    // 0 (the default): redirects are returned as they are. N > 0: followed up to N hops.
    Browser& followRedirects(int maxHops);

    Response get(const std::string& url, const Fields& headers = {});
    Response post(const std::string& url, const Fields& form, const Fields& headers = {});
    Response postRaw(const std::string& url, const std::string& contentType,
                     const std::string& body, const Fields& headers = {});
    Response request(const std::string& method, const std::string& url, const std::string& body,
                     const Fields& headers);
    // Follows the redirects that start at `from` (GET for 301/302/303); throws HarnessError after
    // `maxHops` hops so that a redirect loop fails the test instead of hanging it.
    Response follow(const Response& from, int maxHops = 10);

    CookieJar& cookies() { return jar_; }
    const CookieJar& cookies() const { return jar_; }

  private:
    Response exchange(const std::string& method, const Url& url, const std::string& body,
                      const Fields& headers);
    Response maybeFollow(Response r);

    BrowserOptions options_;
    CookieJar jar_;
    int maxHops_ = 0;
};

struct RawOptions {
    bool tls = false;  // TLS without verification
    std::chrono::milliseconds timeout = std::chrono::seconds(5);
    bool closeWrite = false;  // half-close after sending, as a client that gives up would
    std::size_t limit = 1024 * 1024;
};
// Sends `bytes` as they are (malformed requests, oversized headers) and returns everything the
// server sent back until it closed the connection or `timeout` passed.
std::string rawExchange(const std::string& host, int port, std::string_view bytes,
                        RawOptions options = {});

}  // namespace sesame::testing
