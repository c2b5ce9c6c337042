#include "gateway/portal/stylesheet.hpp"

#include <cstdint>
#include <cstdio>

namespace sesame::portal {
namespace {

// Colours checked for WCAG 2.1 AA: text #1e1e1e on #fff 16.7:1, links and buttons #000091 on
// #fff 14.9:1 (and white on #000091), field borders #666 5.7:1, focus ring #0a76f6 4.3:1
// (1.4.11 asks 3:1). Sizes in rem so that 200% zoom reflows instead of clipping (1.4.4, 1.4.10);
// one column down to 320px. Errors carry a word and a border, never colour alone (1.4.1).
// Every link and button is a target of at least 24 x 24 px by itself (WCAG 2.2, 2.5.8): links
// that stand alone (the language switch, "Choisir un autre profil") are inline blocks with
// padding, buttons and choices have a min-height of 2.75rem.
constexpr std::string_view css = R"css(*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1rem;line-height:1.5;color:#1e1e1e;background:#f6f6f6}
.bar{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem 1rem;padding:.75rem 1rem;background:#fff;border-bottom:1px solid #dddddd}
.brand{font-weight:700;font-size:1.25rem;color:#000091}
main{display:block;max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #dddddd;border-radius:.5rem}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 1rem}
p,ul,dl{margin:0 0 1rem}
a{color:#000091;text-decoration:underline;text-underline-offset:.15em}
a:hover{text-decoration-thickness:.15em}
:focus{outline:3px solid #0a76f6;outline-offset:2px}
.context{color:#3a3a3a}
.choices{list-style:none;padding:0;display:grid;gap:.75rem}
.choice{display:block;padding:1rem 1.25rem;border:2px solid #000091;border-radius:.5rem;background:#fff;font-size:1.125rem;font-weight:600;text-decoration:none}
.choice:hover{background:#e3e3fd}
form{margin:0 0 1rem}
.field{margin:0 0 1.25rem}
label{display:block;font-weight:600;margin:0 0 .25rem}
input[type=text],input[type=password]{display:block;width:100%;min-height:2.75rem;padding:.5rem .75rem;font:inherit;color:#1e1e1e;background:#fff;border:1px solid #666666;border-radius:.25rem}
input[aria-invalid=true]{border:2px solid #ce0500}
button,.button{display:inline-block;min-height:2.75rem;padding:.625rem 1.5rem;font:inherit;font-weight:600;line-height:1.5;text-align:center;text-decoration:none;color:#fff;background:#000091;border:2px solid #000091;border-radius:.25rem;cursor:pointer}
button{width:100%}
button:hover,.button:hover{background:#1212ff;border-color:#1212ff}
.alert{margin:0 0 1.25rem;padding:.75rem 1rem;background:#ffe9e9;border-left:.375rem solid #ce0500}
.alert p{margin:0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
.facts dt{font-weight:600}
.facts dd{margin:0;overflow-wrap:anywhere}
.detail{display:block;padding:.5rem .75rem;background:#eeeeee;font-family:ui-monospace,monospace;font-size:.875rem;overflow-wrap:anywhere;word-break:break-word}
.back{margin:1.5rem 0 0}
.bar a,.back a{display:inline-block;min-width:1.5rem;min-height:1.5rem;padding:.375rem 0}
.reason{margin:0 0 1.25rem;padding:.75rem 1rem;background:#f5f5fe;border-left:.375rem solid #000091}
.reason p{margin:0 0 .5rem}
.reason p:last-child{margin:0}
@media (max-width:36rem){body{background:#fff}main{margin:0;border:0;border-radius:0;padding:1.25rem 1rem}h1{font-size:1.5rem}}
@media (max-width:22rem){.facts{grid-template-columns:1fr}.facts dd{margin:0 0 .5rem}}
@media (forced-colors:active){.alert{border:2px solid CanvasText}button,.button{border:2px solid ButtonText}}
)css";

std::string strongEtag(std::string_view body) {
    // FNV-1a 64: not a security device, only a validator that changes with the content.
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
    char buf[19];
    std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
    return buf;
}

bool etagListed(std::string_view header, std::string_view etag) {
    // If-None-Match: "*" or a comma-separated list; weak comparison is what RFC 9110 §13.1.2
    // asks here, so W/ prefixes are ignored.
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.substr(0, 2) == "W/") item.remove_prefix(2);
        if (item == "*" || item == etag) return true;
    }
    return false;
}

}  // namespace

const StaticAsset& stylesheet() {
    static const StaticAsset asset{stylesheetPath, "text/css; charset=utf-8", css, strongEtag(css),
                                   "public, max-age=31536000, immutable"};
    return asset;
}

std::string stylesheetUrl() {
    const auto& etag = stylesheet().etag;
    return std::string(stylesheetPath) + "?v=" + etag.substr(1, etag.size() - 2);
}

std::optional<core::HttpResponse> serveStatic(const core::HttpRequest& request) {
    const StaticAsset& asset = stylesheet();
    if (request.path != asset.path) return std::nullopt;
    core::HttpResponse response;
    if (request.method != "GET" && request.method != "HEAD") {
        response.status = 405;
        response.header("Allow", "GET, HEAD");
        return response;
    }
    response.header("ETag", asset.etag);
    response.header("Cache-Control", std::string(asset.cacheControl));
    if (auto inm = request.header("if-none-match"); inm && etagListed(*inm, asset.etag)) {
        response.status = 304;
        return response;
    }
    response.header("Content-Type", std::string(asset.contentType));
    response.header("X-Content-Type-Options", "nosniff");
    if (request.method == "GET") response.body = std::string(asset.body);
    return response;
}

}  // namespace sesame::portal
