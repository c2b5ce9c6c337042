// The CAS endpoint on gateway/session's MemorySessionStore (the real store semantics: TTLs,
// atomic take, visits), rather than the in-test fake.
#include <catch2/catch.hpp>

#include "gateway/core/text.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "gateway/xml/xml_document.hpp"
#include "test/unit/cas/cas_test_support.hpp"

using namespace sesame;
using namespace sesame::cas;
using namespace sesame::cas::test;

TEST_CASE("on MemorySessionStore: one ticket, fifty validations, one success, one SLO target",
          "[unit][cas]") {
    core::setMinimumLogLevel(core::LogLevel::error);
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    FakeBackChannel backChannel;
    auto service = makeService("demo", R"(https://app\.example\.org/.*)");
    CasEndpoint endpoint(
        CasConfig{},
        [&](const std::string&, const std::string& url) -> const policies::Service* {
            return service.acceptsUrl(url) ? &service : nullptr;
        },
        store, backChannel, clock);
    asio::io_context io;
    core::Session session;
    session.id = "s-1";
    session.identity.login = "eleve.herriot";
    session.createdAt = session.lastSeenAt = clock.nowSeconds();
    REQUIRE(run(io, store.createSession(session)).has_value());

    const std::string app = "https://app.example.org/";
    auto reply = run(
        io, endpoint.handle(CasFixture::request("/cas/login", {{"service", app}}), std::nullopt));
    auto flow = std::get<core::NeedsAuthentication>(reply).flow;
    core::Release release;
    release.user = "eleve.herriot";
    auto redirect = run(io, endpoint.resume(flow, session, release, true));
    REQUIRE(redirect.has_value());
    auto location = *core::findParameter(redirect->headers, "Location");
    std::string ticket = location.substr(location.find("ticket=") + 7);

    auto request =
        CasFixture::request("/cas/serviceValidate", {{"service", app}, {"ticket", ticket}});
    std::vector<std::future<core::EndpointReply>> replies;
    for (int i = 0; i < 50; ++i)
        replies.push_back(
            asio::co_spawn(io, endpoint.handle(request, std::nullopt), asio::use_future));
    io.restart();
    io.run();
    int successes = 0;
    for (auto& r : replies) {
        auto body = std::get<core::HttpResponse>(r.get()).body;
        if (body.find("<cas:authenticationSuccess>") != std::string::npos) ++successes;
    }
    CHECK(successes == 1);

    auto visits = run(io, store.visits(session.id));
    REQUIRE(visits.has_value());
    auto messages = endpoint.logoutMessages(*visits);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].url == app);
    CHECK(messages[0].body.find(core::urlEncode(ticket)) != std::string::npos);
}
