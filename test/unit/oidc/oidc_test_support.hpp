#pragma once
// The OIDC provider endpoint driven as gateway/app drives it (as test/unit/saml does for SAML):
// wired to gateway/session's MemorySessionStore on a ManualClock, with hand-built registry
// clients. The tests play the relying party: they send what a client library sends and read the
// answers as it would (the redirect's query, the token response, the JWKS).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/jose/jose.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::oidc::test {

namespace asio = boost::asio;

inline const std::string opUrl = "https://sesame.example.org";
inline const std::string issuer = opUrl + "/oidc";
inline const std::string callback = "https://rp.example.org/callback";
inline const std::string appCallback = "https://app.example.org/cb";

// The provider's keys are generated once per run by OidcConfig::parse (first start).
inline const sesame::testing::TempDir& opDir() {
    static const sesame::testing::TempDir dir{"sesame-oidc-op"};
    return dir;
}

inline OidcConfig parseConfig() {
    const std::string file = (opDir() / "sesame.yml").string();
    auto map = core::ConfigNode::makeMap(file, "oidc", 1);
    core::ConfigErrors errors;
    auto config = OidcConfig::parse(map, opUrl, errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    REQUIRE(config.keys != nullptr);
    return config;
}

inline std::shared_ptr<OidcClientSettings> confidential(std::string id) {
    auto c = std::make_shared<OidcClientSettings>();
    c->clientId = std::move(id);
    c->clientSecret = "s3cret-of-" + c->clientId;
    c->authMethods = {ClientAuthentication::clientSecretBasic,
                      ClientAuthentication::clientSecretPost};
    c->redirectUris = {callback};
    c->postLogoutRedirectUris = {"https://rp.example.org/bye"};
    c->backchannelLogoutUri = "https://rp.example.org/backchannel";
    c->scopes = {"openid", "profile", "email", "ent", "offline_access"};
    c->grantTypes = {"authorization_code", "refresh_token"};
    return c;
}

inline std::shared_ptr<OidcClientSettings> publicClient(std::string id) {
    auto c = confidential(std::move(id));
    c->clientSecret.clear();
    c->authMethods = {ClientAuthentication::none};
    c->redirectUris = {appCallback};
    c->backchannelLogoutUri.clear();
    return c;
}

inline policies::Service makeService(std::shared_ptr<const OidcClientSettings> settings) {
    policies::Service s;
    s.id = "svc-" + settings->clientId;
    s.name = s.id;
    s.protocol = "oidc";
    s.urlPattern = "\\Q" + settings->clientId + "\\E";
    s.compiledPattern = policies::compileServicePattern(s.urlPattern);
    s.userAttribute = "subject";
    s.release = {
        {"preferred_username", "login"}, {"name", "displayName"}, {"email", "email"},
        {"ent_profiles", "profiles"},    {"ent_uai", "uai"},      {"ent_structures", "structures"}};
    s.settings = std::move(settings);
    return s;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

inline boost::json::object jsonObject(const std::string& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    INFO(text);
    REQUIRE_FALSE(ec);
    REQUIRE(v.is_object());
    return v.get_object();
}

inline std::string str(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// S256 of a verifier, as a client computes it.
inline std::string challengeOf(const std::string& verifier) {
    return core::base64UrlEncode(core::sha256(verifier));
}

struct OidcFixture {
    bool quiet = [] {
        core::setMinimumLogLevel(core::LogLevel::error);  // refusals are expected here
        return true;
    }();
    core::ManualClock clock{1'765'000'000};
    session::MemorySessionStore store{clock};
    OidcConfig config = parseConfig();
    std::shared_ptr<OidcClientSettings> rp = confidential("rp");
    std::shared_ptr<OidcClientSettings> app = publicClient("app");
    std::vector<policies::Service> services{makeService(rp), makeService(app)};
    asio::io_context io;
    std::unique_ptr<OidcEndpoint> endpoint;
    core::Session session;

    OidcFixture() {
        rebuild();
        session.id = "session-1";
        session.identity.subject = "f1234567";
        session.identity.directory = "ent";
        session.identity.login = "prof.herriot";
        session.identity.displayName = "Édouard Herriot";
        session.identity.email = "edouard.herriot@ac-lyon.fr";
        session.identity.authMethod = "password";
        session.identity.assurance = "low";
        session.identity.authTime = clock.nowSeconds();
        session.createdAt = session.lastSeenAt = clock.nowSeconds();
        session.language = "fr";
        REQUIRE(run(io, store.createSession(session)).has_value());
    }

    void rebuild() {
        endpoint = std::make_unique<OidcEndpoint>(
            config,
            [this](const std::string& protocol, const std::string& id) -> const policies::Service* {
                for (const auto& s : services)
                    if (s.protocol == protocol && s.acceptsUrl(id)) return &s;
                return nullptr;
            },
            policies::defaultAssuranceLadder(), store, clock);
    }

    const policies::Service& serviceOf(const std::string& clientId) const {
        for (const auto& s : services)
            if (s.settingsAs<OidcClientSettings>()->clientId == clientId) return s;
        FAIL("no such client " << clientId);
        return services.front();
    }

    // What the policy releases to that client for the fixture's person (as Policy::release).
    core::Release release(const std::string& clientId) const {
        (void)clientId;
        core::Release r;
        r.user = session.identity.subject;
        r.attributes.add("preferred_username", session.identity.login);
        r.attributes.add("name", session.identity.displayName);
        r.attributes.add("email", session.identity.email);
        r.attributes.set("ent_profiles", {"National_ENS"});
        r.attributes.add("ent_uai", "0690001A");
        r.attributes.set("ent_structures", {"0690001A", "0690002B"});
        return r;
    }

    static core::HttpRequest get(const std::string& path, const core::Parameters& query) {
        core::HttpRequest r;
        r.method = "GET";
        r.path = path;
        auto text = core::formatForm(query);
        r.rawTarget = text.empty() ? path : path + "?" + text;
        r.query = query;
        r.host = "sesame.example.org";
        r.clientAddress = "192.0.2.10";
        return r;
    }

    static core::HttpRequest post(const std::string& path, const core::Parameters& form) {
        core::HttpRequest r;
        r.method = "POST";
        r.path = path;
        r.rawTarget = path;
        r.form = form;
        r.body = core::formatForm(form);
        r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
        r.host = "sesame.example.org";
        r.clientAddress = "192.0.2.10";
        return r;
    }

    static core::HttpRequest withBasic(core::HttpRequest r, const std::string& id,
                                       const std::string& secret) {
        r.headers.emplace_back(
            "authorization",
            "Basic " + core::base64Encode(core::urlEncode(id) + ":" + core::urlEncode(secret)));
        return r;
    }

    core::EndpointReply handle(const core::HttpRequest& r, bool withSession = true) {
        return run(io, endpoint->handle(r, withSession ? std::optional(session) : std::nullopt));
    }

    core::HttpResponse response(const core::HttpRequest& r, bool withSession = true) {
        auto reply = handle(r, withSession);
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        return std::get<core::HttpResponse>(reply);
    }

    core::Parameters authorizeParams(const std::string& clientId, const std::string& redirectUri,
                                     core::Parameters extra = {}) {
        core::Parameters p{{"client_id", clientId},   {"redirect_uri", redirectUri},
                           {"response_type", "code"}, {"scope", "openid profile email ent"},
                           {"state", "st-42 &é"},     {"nonce", "n-0S6_WzA2Mj"}};
        for (auto& e : extra) {
            bool replaced = false;
            for (auto& q : p)
                if (q.first == e.first) {
                    q.second = e.second;
                    replaced = true;
                }
            if (!replaced) p.push_back(e);
        }
        return p;
    }

    core::FlowState flowOf(const core::EndpointReply& reply) {
        if (auto* r = std::get_if<core::HttpResponse>(&reply))
            INFO("got a response: " << r->status << " "
                                    << core::findParameter(r->headers, "Location").value_or(""));
        if (auto* e = std::get_if<core::UserFacingError>(&reply))
            INFO("got a page: " << e->messageKey);
        REQUIRE(std::holds_alternative<core::NeedsAuthentication>(reply));
        return std::get<core::NeedsAuthentication>(reply).flow;
    }

    core::HttpResponse resume(const core::FlowState& flow) {
        auto r = run(io, endpoint->resume(flow, session, release(flow.service), false));
        REQUIRE(r.has_value());
        return *r;
    }

    // The query of a redirect to the client (Location), as the client reads it.
    static core::Parameters redirectQuery(const core::HttpResponse& r, const std::string& base) {
        REQUIRE((r.status == 302 || r.status == 303));
        auto location = core::findParameter(r.headers, "Location");
        REQUIRE(location.has_value());
        REQUIRE(location->starts_with(base + "?"));
        auto query = core::parseForm(location->substr(base.size() + 1));
        REQUIRE(query.has_value());
        return *query;
    }

    // A code for `clientId` through the whole front channel.
    std::string code(const std::string& clientId, const std::string& redirectUri,
                     core::Parameters extra = {}) {
        auto flow = flowOf(handle(
            get("/oidc/authorize", authorizeParams(clientId, redirectUri, std::move(extra)))));
        auto answer = redirectQuery(resume(flow), redirectUri);
        auto c = core::findParameter(answer, "code");
        REQUIRE(c.has_value());
        return *c;
    }

    core::HttpResponse tokenWithCode(const std::string& code, const std::string& clientId,
                                     const std::string& secret, core::Parameters extra = {}) {
        core::Parameters form{
            {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", callback}};
        for (auto& e : extra) form.push_back(e);
        return response(withBasic(post("/oidc/token", form), clientId, secret), false);
    }

    boost::json::object tokens(const std::string& clientId = "rp") {
        auto r = tokenWithCode(code(clientId, callback), clientId, rp->clientSecret);
        INFO(r.body);
        REQUIRE(r.status == 200);
        return jsonObject(r.body);
    }

    jose::DecodedJws verifiedIdToken(const std::string& token) {
        auto v = jose::verify(token, config.keys->published(),
                              {jose::Algorithm::rs256, jose::Algorithm::es256});
        REQUIRE(v.has_value());
        return *v;
    }

    core::HttpResponse userinfo(const std::string& accessToken) {
        auto r = get("/oidc/userinfo", {});
        r.headers.emplace_back("authorization", "Bearer " + accessToken);
        return response(r, false);
    }
};

}  // namespace sesame::oidc::test
