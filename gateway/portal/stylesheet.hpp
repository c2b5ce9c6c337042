#pragma once
// The one stylesheet of the portal, served by Sesame itself at /static/sesame.css (the CSP is
// `default-src 'none'; style-src 'self'`: no inline style, no external resource, no script).
// Pages link it as /static/sesame.css?v=<etag>, so a new build changes the URL and the file can
// be cached for a year (RFC 8246 `immutable`).
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/http_message.hpp"

namespace sesame::portal {

inline constexpr std::string_view stylesheetPath = "/static/sesame.css";
inline constexpr std::string_view contentSecurityPolicy =
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

struct StaticAsset {
    std::string_view path;
    std::string_view contentType;
    std::string_view body;
    std::string etag;  // strong validator, quoted: "\"3f2a...\"" (RFC 9110 §8.8.3)
    std::string_view cacheControl;
};

const StaticAsset& stylesheet();
std::string stylesheetUrl();  // what pages link: /static/sesame.css?v=<hash>
// A GET/HEAD of a portal asset: 200 with the body, or 304 when If-None-Match names its ETag;
// none when the path is not a portal asset (the router goes on).
std::optional<core::HttpResponse> serveStatic(const core::HttpRequest& request);

}  // namespace sesame::portal
