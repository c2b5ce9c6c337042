// Refresh tokens (rotation, reuse detection, session binding), client_credentials, introspection
// (RFC 7662) and revocation (RFC 7009), as a relying party and a resource server see them.
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "test/unit/oidc/oidc_test_support.hpp"

using namespace sesame;
using namespace sesame::oidc;
using namespace sesame::oidc::test;

namespace {

struct TokensFixture : OidcFixture {
    std::shared_ptr<OidcClientSettings> other = confidential("other");

    TokensFixture() {
        services.push_back(makeService(other));
        rebuild();
    }

    const std::string& secretOf(const std::string& clientId) const {
        return clientId == "other" ? other->clientSecret : rp->clientSecret;
    }

    core::HttpRequest authenticated(const std::string& path, core::Parameters form,
                                    const std::string& clientId) {
        return withBasic(post(path, std::move(form)), clientId, secretOf(clientId));
    }

    core::HttpResponse refresh(const std::string& refreshToken, const std::string& clientId = "rp",
                               core::Parameters extra = {}) {
        core::Parameters form{{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}};
        for (auto& e : extra) form.push_back(e);
        return response(authenticated("/oidc/token", form, clientId), false);
    }

    boost::json::object refreshed(const std::string& refreshToken) {
        auto r = refresh(refreshToken);
        INFO(r.body);
        REQUIRE(r.status == 200);
        return jsonObject(r.body);
    }

    boost::json::object introspect(const std::string& token, const std::string& clientId = "rp",
                                   core::Parameters extra = {}) {
        core::Parameters form{{"token", token}};
        for (auto& e : extra) form.push_back(e);
        auto r = response(authenticated("/oidc/introspect", form, clientId), false);
        INFO(r.body);
        REQUIRE(r.status == 200);
        CHECK(r.authenticationPage);  // no-store
        return jsonObject(r.body);
    }

    bool active(const std::string& token, const std::string& clientId = "rp") {
        return introspect(token, clientId).at("active").as_bool();
    }

    core::HttpResponse revoke(const std::string& token, const std::string& clientId = "rp",
                              core::Parameters extra = {}) {
        core::Parameters form{{"token", token}};
        for (auto& e : extra) form.push_back(e);
        return response(authenticated("/oidc/revoke", form, clientId), false);
    }
};

// The memory store answers without suspending, so two co_spawned requests would run one after
// the other. This one yields to the io_context before every call, as a request waiting on Redis
// does: two requests on one io_context then interleave at each store call.
class YieldingStore final : public session::SessionStore {
  public:
    explicit YieldingStore(session::SessionStore& inner) : inner_(inner) {}
    template <class T>
    using Task = session::Task<T>;
    using Kind = session::ArtefactKind;

    Task<Result<void>> createSession(const core::Session& s) override {
        co_await yield();
        co_return co_await inner_.createSession(s);
    }
    Task<Result<std::optional<core::Session>>> findSession(const std::string& id) override {
        co_await yield();
        co_return co_await inner_.findSession(id);
    }
    Task<Result<std::optional<core::Session>>> readSession(const std::string& id) override {
        co_await yield();
        co_return co_await inner_.readSession(id);
    }
    Task<Result<void>> deleteSession(const std::string& id) override {
        co_await yield();
        co_return co_await inner_.deleteSession(id);
    }
    Task<Result<void>> addVisit(const std::string& id, const core::ServiceVisit& v) override {
        co_await yield();
        co_return co_await inner_.addVisit(id, v);
    }
    Task<Result<std::vector<core::ServiceVisit>>> visits(const std::string& id) override {
        co_await yield();
        co_return co_await inner_.visits(id);
    }
    Task<Result<std::vector<core::Session>>> sessionsOfUser(const std::string& login) override {
        co_await yield();
        co_return co_await inner_.sessionsOfUser(login);
    }
    Task<Result<void>> putArtefact(Kind kind, const std::string& id, const std::string& value,
                                   std::chrono::seconds ttl) override {
        co_await yield();
        co_return co_await inner_.putArtefact(kind, id, value, ttl);
    }
    Task<Result<void>> putSessionArtefact(
        Kind kind, const std::string& id, const std::string& value, std::chrono::seconds ttl,
        const std::string& sessionId,
        const std::optional<core::ServiceVisit>& visit = std::nullopt) override {
        co_await yield();
        co_return co_await inner_.putSessionArtefact(kind, id, value, ttl, sessionId, visit);
    }
    Task<Result<bool>> rememberOnce(Kind kind, const std::string& id,
                                    std::chrono::seconds ttl) override {
        co_await yield();
        co_return co_await inner_.rememberOnce(kind, id, ttl);
    }
    Task<Result<std::optional<std::string>>> takeArtefact(Kind kind,
                                                          const std::string& id) override {
        co_await yield();
        co_return co_await inner_.takeArtefact(kind, id);
    }
    Task<Result<std::optional<std::string>>> peekArtefact(Kind kind,
                                                          const std::string& id) override {
        co_await yield();
        co_return co_await inner_.peekArtefact(kind, id);
    }
    Task<Result<void>> deleteArtefact(Kind kind, const std::string& id) override {
        co_await yield();
        co_return co_await inner_.deleteArtefact(kind, id);
    }
    Task<Result<session::CounterState>> increment(const std::string& key,
                                                  std::chrono::seconds window) override {
        co_await yield();
        co_return co_await inner_.increment(key, window);
    }
    Task<Result<void>> decrement(const std::string& key) override {
        co_await yield();
        co_return co_await inner_.decrement(key);
    }
    Task<Result<session::CounterState>> counter(const std::string& key) override {
        co_await yield();
        co_return co_await inner_.counter(key);
    }
    Task<Result<void>> resetCounter(const std::string& key) override {
        co_await yield();
        co_return co_await inner_.resetCounter(key);
    }
    Task<Result<void>> ping() override {
        co_await yield();
        co_return co_await inner_.ping();
    }

  private:
    static Task<void> yield() {
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
    session::SessionStore& inner_;
};

std::string error(const core::HttpResponse& r) {
    return str(jsonObject(r.body), "error");
}

}  // namespace

TEST_CASE("refresh rotation: each use gives a new refresh token and spends the old one",
          "[unit][oidc]") {
    TokensFixture f;
    auto first = f.tokens();
    auto firstId = f.verifiedIdToken(str(first, "id_token"));
    f.clock.advance(300);
    auto second = f.refreshed(str(first, "refresh_token"));
    CHECK(str(second, "refresh_token") != str(first, "refresh_token"));
    CHECK(str(second, "access_token") != str(first, "access_token"));
    CHECK(str(second, "scope") == "openid profile email ent");
    CHECK(f.userinfo(str(second, "access_token")).status == 200);

    // OIDC Core §12.2: the same person, session and authentication time; no nonce.
    auto id = f.verifiedIdToken(str(second, "id_token"));
    CHECK(str(id.claims, "sub") == str(firstId.claims, "sub"));
    CHECK(str(id.claims, "sid") == str(firstId.claims, "sid"));
    CHECK(id.claims.at("auth_time") == firstId.claims.at("auth_time"));
    CHECK(id.claims.at("iat").as_int64() == f.clock.nowSeconds());
    CHECK_FALSE(id.claims.contains("nonce"));
    CHECK(str(id.claims, "at_hash") ==
          jose::halfHash(jose::Algorithm::rs256, str(second, "access_token")));

    auto third = f.refreshed(str(second, "refresh_token"));
    CHECK(f.userinfo(str(third, "access_token")).status == 200);
}

TEST_CASE("a reused refresh token revokes its grant", "[unit][oidc]") {
    TokensFixture f;
    auto first = f.tokens();
    auto second = f.refreshed(str(first, "refresh_token"));
    REQUIRE(f.userinfo(str(second, "access_token")).status == 200);

    auto reused = f.refresh(str(first, "refresh_token"));
    CHECK(reused.status == 400);
    CHECK(error(reused) == "invalid_grant");
    // Whoever holds the newest tokens (the client or a thief) has lost them too.
    CHECK(f.userinfo(str(second, "access_token")).status == 401);
    CHECK(error(f.refresh(str(second, "refresh_token"))) == "invalid_grant");
    CHECK_FALSE(f.active(str(second, "access_token")));
}

TEST_CASE("two concurrent refreshes with one token: one succeeds, the other is a reuse",
          "[unit][oidc]") {
    TokensFixture f;
    auto refreshToken = str(f.tokens(), "refresh_token");
    YieldingStore interleaving(f.store);
    OidcEndpoint endpoint(
        f.config,
        [&f](const std::string& protocol, const std::string& id) -> const policies::Service* {
            for (const auto& s : f.services)
                if (s.protocol == protocol && s.acceptsUrl(id)) return &s;
            return nullptr;
        },
        policies::defaultAssuranceLadder(), interleaving, f.clock);
    auto request = f.authenticated(
        "/oidc/token", {{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}}, "rp");
    auto a = asio::co_spawn(f.io, endpoint.handle(request, std::nullopt), asio::use_future);
    auto b = asio::co_spawn(f.io, endpoint.handle(request, std::nullopt), asio::use_future);
    f.io.restart();
    f.io.run();
    std::vector<core::HttpResponse> answers;
    for (auto* future : {&a, &b}) {
        auto reply = future->get();
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        answers.push_back(std::get<core::HttpResponse>(reply));
    }
    auto won =
        std::count_if(answers.begin(), answers.end(), [](auto& r) { return r.status == 200; });
    REQUIRE(won == 1);
    const auto& winner = answers[0].status == 200 ? answers[0] : answers[1];
    const auto& loser = answers[0].status == 200 ? answers[1] : answers[0];
    CHECK(error(loser) == "invalid_grant");
    // The server cannot tell which was the thief: the grant is revoked for both.
    CHECK(f.userinfo(str(jsonObject(winner.body), "access_token")).status == 401);
}

TEST_CASE("a refresh token belongs to its client, its scope and its session", "[unit][oidc]") {
    TokensFixture f;
    auto t = f.tokens();
    auto refreshToken = str(t, "refresh_token");
    SECTION("another client is refused and does not spend the token") {
        CHECK(error(f.refresh(refreshToken, "other")) == "invalid_grant");
        CHECK(f.refresh(refreshToken).status == 200);
    }
    SECTION("a wrong secret is refused before the token is looked at") {
        core::Parameters form{{"grant_type", "refresh_token"}, {"refresh_token", refreshToken}};
        auto r = f.response(
            OidcFixture::withBasic(OidcFixture::post("/oidc/token", form), "rp", "wrong-secret"),
            false);
        CHECK(r.status == 401);
        CHECK(f.refresh(refreshToken).status == 200);
    }
    SECTION("scope may narrow the access token, never widen it") {
        auto wider = f.refresh(refreshToken, "rp", {{"scope", "openid email admin"}});
        CHECK(error(wider) == "invalid_scope");
        auto r = f.refresh(refreshToken, "rp", {{"scope", "email openid"}});
        INFO(r.body);
        REQUIRE(r.status == 200);
        auto narrowed = jsonObject(r.body);
        CHECK(str(narrowed, "scope") == "openid email");
        auto access = jose::decode(str(narrowed, "access_token"));
        REQUIRE(access.has_value());
        CHECK(str(access->claims, "scope") == "openid email");
        CHECK(str(f.introspect(str(narrowed, "access_token")), "scope") == "openid email");
        // UserInfo answers for the token's scopes only.
        auto info = jsonObject(f.userinfo(str(narrowed, "access_token")).body);
        CHECK(str(info, "email") == "edouard.herriot@ac-lyon.fr");
        CHECK_FALSE(info.contains("name"));
        CHECK_FALSE(info.contains("ent_profiles"));
        // The refresh token keeps the scope the person granted (RFC 6749 §6).
        auto kept = f.refreshed(str(narrowed, "refresh_token"));
        CHECK(str(kept, "scope") == "openid profile email ent");
        // A narrowed opaque access token answers for its scopes only too.
        f.rp->jwtAccessTokens = false;
        auto opaque = jsonObject(
            f.refresh(str(kept, "refresh_token"), "rp", {{"scope", "openid profile"}}).body);
        auto opaqueInfo = jsonObject(f.userinfo(str(opaque, "access_token")).body);
        CHECK(str(opaqueInfo, "name") == "Édouard Herriot");
        CHECK_FALSE(opaqueInfo.contains("email"));
        CHECK(str(f.introspect(str(opaque, "access_token")), "scope") == "openid profile");
    }
    SECTION("logout ends it") {
        REQUIRE(run(f.io, f.store.deleteSession(f.session.id)).has_value());
        CHECK(error(f.refresh(refreshToken)) == "invalid_grant");
    }
    SECTION("the session's idle timeout ends it, and the grant with it") {
        f.rp->jwtAccessTokens = false;  // nothing is stored before the session is looked at
        f.clock.advance(f.store.timeouts().idle.count() + 1);
        auto r = f.refresh(refreshToken);
        CHECK(r.status == 400);
        CHECK(error(r) == "invalid_grant");
        CHECK_FALSE(f.active(refreshToken));
    }
    SECTION("a client without the refresh_token grant") {
        f.rp->grantTypes = {"authorization_code"};
        CHECK(error(f.refresh(refreshToken)) == "unauthorized_client");
    }
    SECTION("unknown or missing") {
        CHECK(error(f.refresh("not-a-refresh-token")) == "invalid_grant");
        CHECK(error(f.refresh("")) == "invalid_request");
    }
}

TEST_CASE("client_credentials: a token for the client itself, where it is allowed",
          "[unit][oidc]") {
    TokensFixture f;
    f.other->grantTypes = {"client_credentials"};
    f.other->scopes = {"openid", "profile", "ent", "offline_access", "notes.read", "notes.write"};
    auto grant = [&](const std::string& clientId, core::Parameters extra = {}) {
        core::Parameters form{{"grant_type", "client_credentials"}};
        for (auto& e : extra) form.push_back(e);
        return f.response(f.authenticated("/oidc/token", form, clientId), false);
    };
    SECTION("allowed: the client's own scopes, no ID token, no refresh token") {
        auto r = grant("other");
        INFO(r.body);
        REQUIRE(r.status == 200);
        auto t = jsonObject(r.body);
        CHECK(str(t, "scope") == "notes.read notes.write");
        CHECK_FALSE(t.contains("id_token"));
        CHECK_FALSE(t.contains("refresh_token"));
        auto access = jose::decode(str(t, "access_token"));
        REQUIRE(access.has_value());
        CHECK(str(access->claims, "sub") == "other");
        CHECK(str(access->claims, "client_id") == "other");
        auto info = f.introspect(str(t, "access_token"), "other");
        CHECK(info.at("active") == true);
        CHECK(str(info, "sub") == "other");
        CHECK_FALSE(info.contains("sid"));
        CHECK(f.userinfo(str(t, "access_token")).status == 403);  // no openid: nobody to describe
        f.clock.advance(601);
        CHECK(f.introspect(str(t, "access_token"), "other").at("active") == false);
    }
    SECTION("a narrower scope; never a person's") {
        auto r = grant("other", {{"scope", "notes.read"}});
        REQUIRE(r.status == 200);
        CHECK(str(jsonObject(r.body), "scope") == "notes.read");
        for (std::string scope : {"openid", "profile", "ent", "offline_access", "notes.delete"}) {
            INFO(scope);
            CHECK(error(grant("other", {{"scope", scope}})) == "invalid_scope");
        }
    }
    SECTION("refused to a client whose registry does not allow it") {
        CHECK(error(grant("rp")) == "unauthorized_client");
    }
    SECTION("refused to a public client") {
        f.app->grantTypes.push_back("client_credentials");
        auto r = f.response(OidcFixture::post("/oidc/token", {{"grant_type", "client_credentials"},
                                                              {"client_id", "app"}}),
                            false);
        CHECK(error(r) == "unauthorized_client");
    }
}

TEST_CASE("introspection says what a live token is, and nothing of any other", "[unit][oidc]") {
    TokensFixture f;
    auto t = f.tokens();
    auto id = f.verifiedIdToken(str(t, "id_token"));
    SECTION("a live JWT access token") {
        auto info = f.introspect(str(t, "access_token"));
        CHECK(info.at("active") == true);
        CHECK(str(info, "scope") == "openid profile email ent");
        CHECK(str(info, "client_id") == "rp");
        CHECK(str(info, "sub") == "f1234567");
        CHECK(str(info, "iss") == issuer);
        CHECK(str(info, "aud") == "rp");
        CHECK(str(info, "token_type") == "Bearer");
        CHECK(str(info, "sid") == str(id.claims, "sid"));
        CHECK(info.at("exp").as_int64() == f.clock.nowSeconds() + 600);
        CHECK(info.at("iat").as_int64() == f.clock.nowSeconds());
    }
    SECTION("a live refresh token, with or without the hint") {
        auto info =
            f.introspect(str(t, "refresh_token"), "rp", {{"token_type_hint", "refresh_token"}});
        CHECK(info.at("active") == true);
        CHECK(str(info, "sub") == "f1234567");
        CHECK_FALSE(info.contains("token_type"));
        CHECK(f.introspect(str(t, "refresh_token"), "rp", {{"token_type_hint", "access_token"}})
                  .at("active") == true);
    }
    SECTION("a live opaque access token") {
        f.rp->jwtAccessTokens = false;
        auto opaque = f.tokens();
        auto info = f.introspect(str(opaque, "access_token"));
        CHECK(info.at("active") == true);
        CHECK(str(info, "token_type") == "Bearer");
        CHECK(str(info, "scope") == "openid profile email ent");
    }
    SECTION("expired") {
        f.clock.advance(601);
        CHECK_FALSE(f.active(str(t, "access_token")));
    }
    SECTION("its session ended") {
        REQUIRE(run(f.io, f.store.deleteSession(f.session.id)).has_value());
        CHECK_FALSE(f.active(str(t, "access_token")));
        CHECK_FALSE(f.active(str(t, "refresh_token")));
    }
    SECTION("revoked") {
        REQUIRE(f.revoke(str(t, "refresh_token")).status == 200);
        CHECK_FALSE(f.active(str(t, "access_token")));
        CHECK_FALSE(f.active(str(t, "refresh_token")));
    }
    SECTION("a token of another client is not active to it, and is not disturbed") {
        auto info = f.introspect(str(t, "access_token"), "other");
        CHECK(info == boost::json::object{{"active", false}});
        CHECK_FALSE(f.active(str(t, "refresh_token"), "other"));
        CHECK(f.active(str(t, "access_token")));
    }
    SECTION("an ID token, alg=none, tampered, garbage") {
        CHECK_FALSE(f.active(str(t, "id_token")));
        auto decoded = jose::decode(str(t, "access_token"));
        REQUIRE(decoded.has_value());
        auto none = core::base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + "." +
                    core::base64UrlEncode(boost::json::serialize(decoded->claims)) + ".";
        CHECK_FALSE(f.active(none));
        auto tampered = str(t, "access_token");
        tampered[tampered.find('.') + 5] ^= 1;
        CHECK_FALSE(f.active(tampered));
        CHECK_FALSE(f.active("a.b.c"));
        CHECK_FALSE(f.active(std::string(10000, 'x')));
    }
}

TEST_CASE("introspection needs an authenticated confidential client", "[unit][oidc]") {
    TokensFixture f;
    auto accessToken = str(f.tokens(), "access_token");
    auto wrong = f.response(
        OidcFixture::withBasic(OidcFixture::post("/oidc/introspect", {{"token", accessToken}}),
                               "rp", "wrong-secret"),
        false);
    CHECK(wrong.status == 401);
    CHECK(error(wrong) == "invalid_client");
    auto anonymous =
        f.response(OidcFixture::post("/oidc/introspect", {{"token", accessToken}}), false);
    CHECK(anonymous.status == 401);
    auto publicClient = f.response(
        OidcFixture::post("/oidc/introspect", {{"token", accessToken}, {"client_id", "app"}}),
        false);
    CHECK(publicClient.status == 401);
    CHECK(error(publicClient) == "invalid_client");
    CHECK(
        f.response(OidcFixture::get("/oidc/introspect", {{"token", accessToken}}), false).status ==
        405);
    auto missing = f.response(f.authenticated("/oidc/introspect", {}, "rp"), false);
    CHECK(error(missing) == "invalid_request");
}

TEST_CASE("revocation", "[unit][oidc]") {
    TokensFixture f;
    auto t = f.tokens();
    SECTION("a refresh token: its grant and every token of it") {
        auto r = f.revoke(str(t, "refresh_token"), "rp", {{"token_type_hint", "refresh_token"}});
        CHECK(r.status == 200);
        CHECK(error(f.refresh(str(t, "refresh_token"))) == "invalid_grant");
        CHECK(f.userinfo(str(t, "access_token")).status == 401);
    }
    SECTION("a JWT access token: its grant (it cannot be revoked alone)") {
        CHECK(f.revoke(str(t, "access_token")).status == 200);
        CHECK(f.userinfo(str(t, "access_token")).status == 401);
        CHECK(error(f.refresh(str(t, "refresh_token"))) == "invalid_grant");
    }
    SECTION("an opaque access token alone") {
        f.rp->jwtAccessTokens = false;
        auto opaque = f.tokens();
        CHECK(f.revoke(str(opaque, "access_token"), "rp", {{"token_type_hint", "refresh_token"}})
                  .status == 200);
        CHECK(f.userinfo(str(opaque, "access_token")).status == 401);
        auto next = f.refreshed(str(opaque, "refresh_token"));
        CHECK(f.userinfo(str(next, "access_token")).status == 200);
    }
    SECTION("an unknown token: 200, as RFC 7009 §2.2 says") {
        CHECK(f.revoke("never-issued").status == 200);
        CHECK(f.revoke("a.b.c").status == 200);
    }
    SECTION("a token of another client is not revoked") {
        CHECK(f.revoke(str(t, "refresh_token"), "other").status == 200);
        CHECK(f.revoke(str(t, "access_token"), "other").status == 200);
        CHECK(f.userinfo(str(t, "access_token")).status == 200);
        CHECK(f.refresh(str(t, "refresh_token")).status == 200);
    }
    SECTION("a public client revokes its own tokens by naming itself") {
        const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFGbc5oY";
        auto c =
            f.code("app", appCallback,
                   {{"code_challenge", challengeOf(verifier)}, {"code_challenge_method", "S256"}});
        auto r = f.response(OidcFixture::post("/oidc/token", {{"grant_type", "authorization_code"},
                                                              {"code", c},
                                                              {"redirect_uri", appCallback},
                                                              {"client_id", "app"},
                                                              {"code_verifier", verifier}}),
                            false);
        REQUIRE(r.status == 200);
        auto app = jsonObject(r.body);
        auto revoked = f.response(
            OidcFixture::post("/oidc/revoke",
                              {{"token", str(app, "refresh_token")}, {"client_id", "app"}}),
            false);
        CHECK(revoked.status == 200);
        CHECK(f.userinfo(str(app, "access_token")).status == 401);
    }
    SECTION("a wrong client authentication is refused") {
        auto r =
            f.response(OidcFixture::withBasic(
                           OidcFixture::post("/oidc/revoke", {{"token", str(t, "refresh_token")}}),
                           "rp", "wrong-secret"),
                       false);
        CHECK(r.status == 401);
        CHECK(error(r) == "invalid_client");
        auto confidentialAsPublic =
            f.response(OidcFixture::post("/oidc/revoke",
                                         {{"token", str(t, "refresh_token")}, {"client_id", "rp"}}),
                       false);
        CHECK(confidentialAsPublic.status == 401);
        CHECK(f.refresh(str(t, "refresh_token")).status == 200);
        CHECK(f.response(OidcFixture::get("/oidc/revoke", {}), false).status == 405);
    }
}
