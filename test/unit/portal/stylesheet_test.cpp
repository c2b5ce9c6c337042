#include <catch2/catch.hpp>

#include "gateway/portal/stylesheet.hpp"

using namespace sesame;

namespace {
core::HttpRequest get(std::string path, core::Parameters headers = {}) {
    core::HttpRequest r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers = std::move(headers);
    return r;
}
}  // namespace

TEST_CASE("the stylesheet is served with its type, a strong ETag and a long cache", "[unit]") {
    auto response = portal::serveStatic(get("/static/sesame.css"));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(core::findParameter(response->headers, "Content-Type") == "text/css; charset=utf-8");
    auto etag = core::findParameter(response->headers, "ETag");
    REQUIRE(etag);
    CHECK(etag->front() == '"');
    CHECK(etag->substr(0, 2) != "W/");
    CHECK(core::findParameter(response->headers, "Cache-Control") ==
          "public, max-age=31536000, immutable");
    CHECK(response->body.find(":focus") != std::string::npos);
    CHECK_FALSE(response->authenticationPage);
}

TEST_CASE("a revalidation with the current ETag gets 304 and no body", "[unit]") {
    auto etag = portal::stylesheet().etag;
    auto response = portal::serveStatic(get("/static/sesame.css", {{"if-none-match", etag}}));
    REQUIRE(response);
    CHECK(response->status == 304);
    CHECK(response->body.empty());
    auto stale = portal::serveStatic(get("/static/sesame.css", {{"if-none-match", "\"old\""}}));
    CHECK(stale->status == 200);
}

TEST_CASE("pages link the stylesheet by a URL that changes with its content", "[unit]") {
    auto url = portal::stylesheetUrl();
    auto etag = portal::stylesheet().etag;
    CHECK(url == "/static/sesame.css?v=" + etag.substr(1, etag.size() - 2));
}

TEST_CASE("other paths are not the portal's; other methods are refused", "[unit]") {
    CHECK_FALSE(portal::serveStatic(get("/static/other.css")));
    auto post = get("/static/sesame.css");
    post.method = "POST";
    CHECK(portal::serveStatic(post)->status == 405);
}
