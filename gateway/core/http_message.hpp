#pragma once
// A server-neutral HTTP request and response (liboauth2's http.h is the model): gateway/http turns
// Beast messages into these, so protocols and the portal never see a transport type.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sesame::core {

using Parameters = std::vector<std::pair<std::string, std::string>>;  // ordered, repeats kept

struct HttpRequest {
    std::string method;     // "GET", "POST"
    std::string path;       // decoded path, no query
    std::string rawTarget;  // path + query as received
    Parameters query;       // decoded query parameters
    Parameters form;        // decoded application/x-www-form-urlencoded body
    Parameters headers;     // lower-case names
    std::string body;
    std::string clientAddress;  // after X-Forwarded-For from a trusted proxy
    std::string scheme = "https";
    std::string host;  // Host (or trusted X-Forwarded-Host)
    std::string requestId;

    std::optional<std::string> header(std::string_view name) const;  // name in lower case
    std::optional<std::string> cookie(std::string_view name) const;
    // Query parameter; `repeated` is set when the name appears more than once (a malformed
    // request for protocols that expect a single value).
    std::optional<std::string> param(std::string_view name, bool* repeated = nullptr) const;
    std::optional<std::string> formParam(std::string_view name, bool* repeated = nullptr) const;
    std::string baseUrl() const { return scheme + "://" + host; }
};

struct Cookie {
    std::string name;
    std::string value;
    std::string path = "/";
    std::optional<std::chrono::seconds> maxAge;  // none: a session cookie
    bool httpOnly = true;
    bool secure = true;
    std::string sameSite = "Lax";
};

struct HttpResponse {
    int status = 200;
    Parameters headers;  // Content-Type and friends; security headers are added by gateway/http
    std::string body;
    std::vector<Cookie> cookies;
    bool authenticationPage = false;  // adds Cache-Control: no-store (credentials, tickets)

    HttpResponse& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    static HttpResponse redirect(std::string location, int status = 302);
    static HttpResponse text(int status, std::string body,
                             std::string contentType = "text/plain; charset=utf-8");
};

std::optional<std::string> findParameter(const Parameters& params, std::string_view name,
                                         bool* repeated = nullptr);
std::string formatSetCookie(const Cookie& cookie);

}  // namespace sesame::core
