#include "gateway/core/http_message.hpp"

namespace sesame::core {

std::optional<std::string> findParameter(const Parameters& params, std::string_view name,
                                         bool* repeated) {
    std::optional<std::string> found;
    if (repeated) *repeated = false;
    for (const auto& [k, v] : params) {
        if (k != name) continue;
        if (found) {
            if (repeated) *repeated = true;
            continue;
        }
        found = v;
    }
    return found;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const {
    return findParameter(headers, name);
}

std::optional<std::string> HttpRequest::param(std::string_view name, bool* repeated) const {
    return findParameter(query, name, repeated);
}

std::optional<std::string> HttpRequest::formParam(std::string_view name, bool* repeated) const {
    return findParameter(form, name, repeated);
}

std::optional<std::string> HttpRequest::cookie(std::string_view name) const {
    // RFC 6265 §5.4: "name=value; name2=value2"; the first occurrence wins.
    for (const auto& [k, v] : headers) {
        if (k != "cookie") continue;
        std::string_view rest = v;
        while (!rest.empty()) {
            auto semi = rest.find(';');
            std::string_view pair = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            auto eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
        }
    }
    return std::nullopt;
}

HttpResponse HttpResponse::redirect(std::string location, int status) {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Location", std::move(location));
    return r;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string contentType) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", std::move(contentType));
    return r;
}

std::string formatSetCookie(const Cookie& c) {
    std::string out = c.name + "=" + c.value + "; Path=" + c.path;
    if (c.maxAge) out += "; Max-Age=" + std::to_string(c.maxAge->count());
    if (c.secure) out += "; Secure";
    if (c.httpOnly) out += "; HttpOnly";
    if (!c.sameSite.empty()) out += "; SameSite=" + c.sameSite;
    return out;
}

}  // namespace sesame::core
