// The OpenID Connect provider at its endpoint (issue 9, §1-§5 and the hardening of §7): the tests
// play a relying party and check what its client library would check.
#include <catch2/catch.hpp>

#include "test/unit/oidc/oidc_test_support.hpp"

using namespace sesame;
using namespace sesame::oidc;
using namespace sesame::oidc::test;

namespace {

const core::UserFacingError& userError(const core::EndpointReply& reply) {
    REQUIRE(std::holds_alternative<core::UserFacingError>(reply));
    return std::get<core::UserFacingError>(reply);
}

std::string param(const core::Parameters& p, std::string_view name) {
    auto v = core::findParameter(p, name);
    REQUIRE(v.has_value());
    return *v;
}

// A compact JWS with {"alg":"none"}: what an attacker sends to a verifier that trusts `alg`.
std::string unsignedToken(const boost::json::object& claims) {
    return core::base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + "." +
           core::base64UrlEncode(boost::json::serialize(claims)) + ".";
}

}  // namespace

TEST_CASE("discovery names the issuer, every endpoint and only what is supported", "[unit][oidc]") {
    OidcFixture f;
    auto r = f.response(OidcFixture::get("/oidc/.well-known/openid-configuration", {}), false);
    CHECK(r.status == 200);
    CHECK(core::findParameter(r.headers, "Access-Control-Allow-Origin") == "*");
    auto d = jsonObject(r.body);
    CHECK(str(d, "issuer") == issuer);
    CHECK(str(d, "authorization_endpoint") == issuer + "/authorize");
    CHECK(str(d, "token_endpoint") == issuer + "/token");
    CHECK(str(d, "userinfo_endpoint") == issuer + "/userinfo");
    CHECK(str(d, "jwks_uri") == issuer + "/jwks");
    CHECK(str(d, "end_session_endpoint") == issuer + "/logout");
    CHECK(d.at("code_challenge_methods_supported") == boost::json::array{"S256"});
    CHECK(d.at("response_types_supported") == boost::json::array{"code"});
    CHECK(d.at("authorization_response_iss_parameter_supported") == true);
    CHECK(d.at("backchannel_logout_session_supported") == true);
    auto algs = d.at("id_token_signing_alg_values_supported").as_array();
    CHECK(algs == boost::json::array{"RS256", "ES256"});

    auto jwks = f.response(OidcFixture::get("/oidc/jwks", {}), false);
    CHECK(jwks.status == 200);
    auto keys = jose::Jwk::setFromJson(jwks.body);
    REQUIRE(keys.has_value());
    CHECK(keys->size() >= 2);
    for (const auto& k : *keys) CHECK_FALSE(k.isPrivate());
    CHECK(jwks.body.find("\"d\"") == std::string::npos);  // no private member
}

TEST_CASE("the code flow: a code at the redirect_uri, tokens for it, claims at UserInfo",
          "[unit][oidc]") {
    OidcFixture f;
    auto flow = f.flowOf(f.handle(OidcFixture::get(
        "/oidc/authorize", f.authorizeParams("rp", callback, {{"max_age", "3600"}}))));
    CHECK(flow.protocol == "oidc");
    CHECK(flow.service == "rp");
    CHECK(flow.serviceId == "svc-rp");
    CHECK_FALSE(flow.passive);
    CHECK_FALSE(flow.forceAuthentication);

    auto answer = OidcFixture::redirectQuery(f.resume(flow), callback);
    CHECK(param(answer, "state") == "st-42 &é");  // returned untouched
    CHECK(param(answer, "iss") == issuer);        // RFC 9207
    auto code = param(answer, "code");
    CHECK(code.size() >= 43);

    auto r = f.tokenWithCode(code, "rp", f.rp->clientSecret);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(core::findParameter(r.headers, "Pragma") == "no-cache");
    CHECK(r.authenticationPage);  // Cache-Control: no-store
    auto t = jsonObject(r.body);
    CHECK(str(t, "token_type") == "Bearer");
    CHECK(t.at("expires_in").as_int64() == 600);
    CHECK(str(t, "scope") == "openid profile email ent");
    CHECK_FALSE(str(t, "refresh_token").empty());
    auto id = f.verifiedIdToken(str(t, "id_token"));
    CHECK(id.algorithm == jose::Algorithm::rs256);
    CHECK(str(id.claims, "iss") == issuer);
    CHECK(str(id.claims, "aud") == "rp");
    CHECK(str(id.claims, "sub") == "f1234567");
    CHECK(str(id.claims, "nonce") == "n-0S6_WzA2Mj");
    CHECK(str(id.claims, "at_hash") ==
          jose::halfHash(jose::Algorithm::rs256, str(t, "access_token")));
    CHECK(str(id.claims, "sid").size() >= 22);
    CHECK(str(id.claims, "sid").find("session-1") == std::string::npos);
    CHECK(id.claims.at("auth_time").as_int64() == f.session.identity.authTime);
    CHECK(str(id.claims, "acr") == "low");
    CHECK(id.claims.at("amr") == boost::json::array{"pwd"});
    CHECK(id.claims.at("exp").as_int64() == f.clock.nowSeconds() + 600);

    auto info = f.userinfo(str(t, "access_token"));
    REQUIRE(info.status == 200);
    auto claims = jsonObject(info.body);
    CHECK(str(claims, "sub") == "f1234567");
    CHECK(str(claims, "name") == "Édouard Herriot");
    CHECK(str(claims, "email") == "edouard.herriot@ac-lyon.fr");
    CHECK(claims.at("ent_profiles") == boost::json::array{"National_ENS"});
    CHECK(claims.at("ent_structures") == boost::json::array{"0690001A", "0690002B"});
    CHECK(str(claims, "ent_uai") == "0690001A");

    // The session remembers the client for single logout, by its sid.
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    REQUIRE(visits->size() == 1);
    CHECK(visits->front().protocol == "oidc");
    CHECK(visits->front().service == "rp");
    CHECK(visits->front().sessionIndex == str(id.claims, "sid"));
    CHECK(visits->front().logoutUrl == "https://rp.example.org/backchannel");
}

TEST_CASE("claims follow the granted scopes and the client's allowed scopes", "[unit][oidc]") {
    OidcFixture f;
    f.rp->scopes = {"openid", "email"};  // may not have profile nor ent
    auto c = f.code("rp", callback);
    auto t = jsonObject(f.tokenWithCode(c, "rp", f.rp->clientSecret).body);
    CHECK(str(t, "scope") == "openid email");
    auto claims = jsonObject(f.userinfo(str(t, "access_token")).body);
    CHECK(str(claims, "email") == "edouard.herriot@ac-lyon.fr");
    CHECK_FALSE(claims.contains("name"));
    CHECK_FALSE(claims.contains("ent_profiles"));
}

TEST_CASE("an unknown client or an unregistered redirect_uri gets a page, never a redirect",
          "[unit][oidc]") {
    OidcFixture f;
    CHECK(userError(
              f.handle(OidcFixture::get("/oidc/authorize", f.authorizeParams("nobody", callback))))
              .messageKey == "error.oidc_unknown_client");
    for (std::string uri : {"https://rp.example.org/callback/", "https://rp.example.org/Callback",
                            "https://rp.example.org/callback?x=1", "https://evil.example/callback",
                            "https://rp.example.org/callback#f", ""}) {
        INFO(uri);
        CHECK(userError(f.handle(OidcFixture::get("/oidc/authorize", f.authorizeParams("rp", uri))))
                  .messageKey == "error.oidc_redirect_uri");
    }
    auto twice = f.authorizeParams("rp", callback);
    twice.emplace_back("redirect_uri", "https://evil.example/callback");
    CHECK(userError(f.handle(OidcFixture::get("/oidc/authorize", twice))).messageKey ==
          "error.oidc_redirect_uri");
}

TEST_CASE("errors after the redirect_uri is known go back to it with state and iss",
          "[unit][oidc]") {
    OidcFixture f;
    auto refused = [&](core::Parameters extra, const std::string& error,
                       const std::string& client = "rp", const std::string& uri = callback) {
        auto reply = f.handle(
            OidcFixture::get("/oidc/authorize", f.authorizeParams(client, uri, std::move(extra))));
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        auto q = OidcFixture::redirectQuery(std::get<core::HttpResponse>(reply), uri);
        CHECK(param(q, "error") == error);
        CHECK(param(q, "state") == "st-42 &é");
        CHECK(param(q, "iss") == issuer);
        CHECK_FALSE(core::findParameter(q, "code"));
    };
    refused({{"response_type", "token"}}, "unsupported_response_type");
    refused({{"scope", "profile"}}, "invalid_scope");
    refused(
        {{"code_challenge", challengeOf(std::string(43, 'a'))}, {"code_challenge_method", "plain"}},
        "invalid_request");
    refused({{"code_challenge", "short"}, {"code_challenge_method", "S256"}}, "invalid_request");
    refused({{"response_mode", "fragment"}}, "invalid_request");
    refused({{"prompt", "none login"}}, "invalid_request");
    refused({{"request", "eyJ.eyJ.sig"}}, "request_not_supported");
    refused({}, "invalid_request", "app", appCallback);  // a public client without PKCE
}

TEST_CASE("prompt=none and max_age", "[unit][oidc]") {
    OidcFixture f;
    SECTION("prompt=none without a session: login_required, no page") {
        auto reply =
            f.handle(OidcFixture::get("/oidc/authorize",
                                      f.authorizeParams("rp", callback, {{"prompt", "none"}})),
                     false);
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        auto q = OidcFixture::redirectQuery(std::get<core::HttpResponse>(reply), callback);
        CHECK(param(q, "error") == "login_required");
    }
    SECTION("prompt=none with a session: passive, answered without interaction") {
        auto flow = f.flowOf(f.handle(OidcFixture::get(
            "/oidc/authorize", f.authorizeParams("rp", callback, {{"prompt", "none"}}))));
        CHECK(flow.passive);
        auto q = OidcFixture::redirectQuery(f.endpoint->resumeUnauthenticated(flow), callback);
        CHECK(param(q, "error") == "login_required");
    }
    SECTION("prompt=login and an expired max_age ask for fresh credentials") {
        CHECK(f
                  .flowOf(f.handle(OidcFixture::get(
                      "/oidc/authorize", f.authorizeParams("rp", callback, {{"prompt", "login"}}))))
                  .forceAuthentication);
        f.clock.advance(120);
        CHECK(f
                  .flowOf(f.handle(OidcFixture::get(
                      "/oidc/authorize", f.authorizeParams("rp", callback, {{"max_age", "60"}}))))
                  .forceAuthentication);
        CHECK_FALSE(f.flowOf(f.handle(OidcFixture::get(
                                 "/oidc/authorize",
                                 f.authorizeParams("rp", callback, {{"max_age", "600"}}))))
                        .forceAuthentication);
    }
    SECTION("login_hint and ui_locales reach the portal") {
        auto flow = f.flowOf(f.handle(OidcFixture::get(
            "/oidc/authorize",
            f.authorizeParams("rp", callback,
                              {{"login_hint", "prof.herriot"}, {"ui_locales", "de en-GB fr"}}))));
        CHECK(flow.loginHint == "prof.herriot");
        CHECK(flow.uiLocales == "de en-GB fr");
        auto saved = core::flowStateFromJson(core::toJson(flow));
        REQUIRE(saved.has_value());
        CHECK(saved->loginHint == "prof.herriot");
        CHECK(saved->uiLocales == "de en-GB fr");
    }
    SECTION("acr_values ask for a minimum assurance") {
        auto flow = f.flowOf(f.handle(OidcFixture::get(
            "/oidc/authorize", f.authorizeParams("rp", callback, {{"acr_values", "eidas1 low"}}))));
        CHECK(flow.minimumAssurance == "eidas1");
    }
}

TEST_CASE("response_mode=form_post posts the code with state and iss", "[unit][oidc]") {
    OidcFixture f;
    auto flow = f.flowOf(f.handle(OidcFixture::get(
        "/oidc/authorize", f.authorizeParams("rp", callback, {{"response_mode", "form_post"}}))));
    auto page = f.resume(flow);
    CHECK(page.status == 200);
    CHECK(page.body.find("action=\"" + callback + "\"") != std::string::npos);
    CHECK(page.body.find("name=\"code\"") != std::string::npos);
    CHECK(page.body.find("name=\"iss\" value=\"" + issuer + "\"") != std::string::npos);
    CHECK(page.body.find("name=\"state\" value=\"st-42 &amp;é\"") != std::string::npos);
    CHECK(page.authenticationPage);
}

TEST_CASE("PKCE: a public client proves the code is its own", "[unit][oidc]") {
    OidcFixture f;
    const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFGbc5oY";
    auto codeFor = [&] {
        return f.code(
            "app", appCallback,
            {{"code_challenge", challengeOf(verifier)}, {"code_challenge_method", "S256"}});
    };
    auto exchange = [&](const std::string& code, std::optional<std::string> v) {
        core::Parameters form{{"grant_type", "authorization_code"},
                              {"code", code},
                              {"redirect_uri", appCallback},
                              {"client_id", "app"}};
        if (v) form.emplace_back("code_verifier", *v);
        return f.response(OidcFixture::post("/oidc/token", form), false);
    };
    SECTION("the right verifier") {
        auto r = exchange(codeFor(), verifier);
        INFO(r.body);
        CHECK(r.status == 200);
    }
    SECTION("no verifier") {
        auto r = exchange(codeFor(), std::nullopt);
        CHECK(r.status == 400);
        CHECK(str(jsonObject(r.body), "error") == "invalid_grant");
    }
    SECTION("a wrong verifier, then the right one: the code is gone") {
        auto c = codeFor();
        CHECK(str(jsonObject(exchange(c, std::string(43, 'x')).body), "error") == "invalid_grant");
        CHECK(exchange(c, verifier).status == 400);
    }
}

TEST_CASE("a code is single use: its second use revokes what the first issued", "[unit][oidc]") {
    OidcFixture f;
    auto c = f.code("rp", callback);
    auto first = f.tokenWithCode(c, "rp", f.rp->clientSecret);
    REQUIRE(first.status == 200);
    auto accessToken = str(jsonObject(first.body), "access_token");
    CHECK(f.userinfo(accessToken).status == 200);
    auto second = f.tokenWithCode(c, "rp", f.rp->clientSecret);
    CHECK(second.status == 400);
    CHECK(str(jsonObject(second.body), "error") == "invalid_grant");
    auto after = f.userinfo(accessToken);
    CHECK(after.status == 401);
    CHECK(core::findParameter(after.headers, "WWW-Authenticate")->find("invalid_token") !=
          std::string::npos);
}

TEST_CASE("a code expires, and belongs to its client and redirect_uri", "[unit][oidc]") {
    OidcFixture f;
    SECTION("expired") {
        auto c = f.code("rp", callback);
        f.clock.advance(61);
        CHECK(str(jsonObject(f.tokenWithCode(c, "rp", f.rp->clientSecret).body), "error") ==
              "invalid_grant");
    }
    SECTION("another client: refused, and the code stays its owner's") {
        auto other = confidential("other");
        f.services.push_back(makeService(other));
        f.rebuild();
        auto c = f.code("rp", callback);
        auto r = f.tokenWithCode(c, "other", other->clientSecret);
        CHECK(str(jsonObject(r.body), "error") == "invalid_grant");
        CHECK(f.tokenWithCode(c, "rp", f.rp->clientSecret).status == 200);
    }
    SECTION("another redirect_uri") {
        f.rp->redirectUris.push_back("https://rp.example.org/other");
        auto c = f.code("rp", callback);
        core::Parameters form{{"grant_type", "authorization_code"},
                              {"code", c},
                              {"redirect_uri", "https://rp.example.org/other"}};
        auto r = f.response(OidcFixture::withBasic(OidcFixture::post("/oidc/token", form), "rp",
                                                   f.rp->clientSecret),
                            false);
        CHECK(str(jsonObject(r.body), "error") == "invalid_grant");
    }
}

TEST_CASE("client authentication at the token endpoint", "[unit][oidc]") {
    OidcFixture f;
    SECTION("a wrong secret: 401 invalid_client, and the code is not spent") {
        auto c = f.code("rp", callback);
        auto r = f.tokenWithCode(c, "rp", "wrong-secret");
        CHECK(r.status == 401);
        CHECK(str(jsonObject(r.body), "error") == "invalid_client");
        CHECK(core::findParameter(r.headers, "WWW-Authenticate").has_value());
        CHECK(f.tokenWithCode(c, "rp", f.rp->clientSecret).status == 200);
    }
    SECTION("client_secret_post") {
        auto c = f.code("rp", callback);
        auto r =
            f.response(OidcFixture::post("/oidc/token", {{"grant_type", "authorization_code"},
                                                         {"code", c},
                                                         {"redirect_uri", callback},
                                                         {"client_id", "rp"},
                                                         {"client_secret", f.rp->clientSecret}}),
                       false);
        CHECK(r.status == 200);
    }
    SECTION("a confidential client cannot pass as public") {
        auto c = f.code("rp", callback);
        auto r = f.response(OidcFixture::post("/oidc/token", {{"grant_type", "authorization_code"},
                                                              {"code", c},
                                                              {"redirect_uri", callback},
                                                              {"client_id", "rp"}}),
                            false);
        CHECK(r.status == 401);
    }
    SECTION("two ways at once") {
        auto c = f.code("rp", callback);
        auto r =
            f.tokenWithCode(c, "rp", f.rp->clientSecret, {{"client_secret", f.rp->clientSecret}});
        CHECK(str(jsonObject(r.body), "error") == "invalid_request");
    }
    SECTION("GET") {
        CHECK(f.response(OidcFixture::get("/oidc/token", {}), false).status == 405);
    }
}

TEST_CASE("private_key_jwt: a signed assertion, once", "[unit][oidc]") {
    OidcFixture f;
    auto key = jose::Jwk::generate(jose::Algorithm::es256);
    REQUIRE(key.has_value());
    auto publicKey = jose::Jwk::fromJson(boost::json::serialize(key->publicJson()));
    REQUIRE(publicKey.has_value());
    f.rp->authMethods = {ClientAuthentication::privateKeyJwt};
    f.rp->jwks = std::vector<jose::Jwk>{*publicKey};
    auto assertion = [&](std::string jti, std::string aud) {
        auto now = f.clock.nowSeconds();
        auto token = jose::sign(*key, jose::Algorithm::es256,
                                {{"iss", "rp"},
                                 {"sub", "rp"},
                                 {"aud", aud},
                                 {"jti", jti},
                                 {"iat", now},
                                 {"exp", now + 60}});
        REQUIRE(token.has_value());
        return *token;
    };
    auto exchange = [&](const std::string& clientAssertion) {
        return f.response(
            OidcFixture::post("/oidc/token",
                              {{"grant_type", "authorization_code"},
                               {"code", f.code("rp", callback)},
                               {"redirect_uri", callback},
                               {"client_assertion_type",
                                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                               {"client_assertion", clientAssertion}}),
            false);
    };
    auto once = assertion("jti-1", issuer + "/token");
    CHECK(exchange(once).status == 200);
    CHECK(exchange(once).status == 401);  // replayed jti
    CHECK(exchange(assertion("jti-2", "https://elsewhere.example/token")).status == 401);
    {
        auto now = f.clock.nowSeconds();
        auto twoAudiences = jose::sign(
            *key, jose::Algorithm::es256,
            {{"iss", "rp"},
             {"sub", "rp"},
             {"aud", boost::json::array{issuer + "/token", "https://other-as.example/token"}},
             {"jti", "jti-4"},
             {"iat", now},
             {"exp", now + 60}});
        REQUIRE(twoAudiences.has_value());
        CHECK(exchange(*twoAudiences).status == 401);
    }
    auto now = f.clock.nowSeconds();
    CHECK(exchange(unsignedToken({{"iss", "rp"},
                                  {"sub", "rp"},
                                  {"aud", issuer + "/token"},
                                  {"jti", "jti-3"},
                                  {"exp", now + 60}}))
              .status == 401);
}

TEST_CASE("UserInfo refuses what is not a live access token", "[unit][oidc]") {
    OidcFixture f;
    auto t = f.tokens();
    auto accessToken = str(t, "access_token");
    SECTION("none") {
        auto r = f.response(OidcFixture::get("/oidc/userinfo", {}), false);
        CHECK(r.status == 401);
        CHECK(core::findParameter(r.headers, "WWW-Authenticate") == "Bearer realm=\"sesame\"");
    }
    SECTION("alg=none with the same claims") {
        auto decoded = jose::decode(accessToken);
        REQUIRE(decoded.has_value());
        CHECK(f.userinfo(unsignedToken(decoded->claims)).status == 401);
    }
    SECTION("tampered") {
        auto tampered = accessToken;
        tampered[tampered.find('.') + 5] ^= 1;
        CHECK(f.userinfo(tampered).status == 401);
    }
    SECTION("the ID token is not an access token") {
        CHECK(f.userinfo(str(t, "id_token")).status == 401);
    }
    SECTION("expired") {
        f.clock.advance(601);
        CHECK(f.userinfo(accessToken).status == 401);
    }
    SECTION("the session ended (logout)") {
        REQUIRE(run(f.io, f.store.deleteSession(f.session.id)).has_value());
        CHECK(f.userinfo(accessToken).status == 401);
    }
    SECTION("POST with the token in the body") {
        auto r =
            f.response(OidcFixture::post("/oidc/userinfo", {{"access_token", accessToken}}), false);
        CHECK(r.status == 200);
    }
}

TEST_CASE("opaque access tokens and ES256 ID tokens, per client", "[unit][oidc]") {
    OidcFixture f;
    f.rp->jwtAccessTokens = false;
    f.rp->idTokenAlgorithm = jose::Algorithm::es256;
    auto t = f.tokens();
    auto accessToken = str(t, "access_token");
    CHECK(std::count(accessToken.begin(), accessToken.end(), '.') == 0);
    auto id = f.verifiedIdToken(str(t, "id_token"));
    CHECK(id.algorithm == jose::Algorithm::es256);
    CHECK(str(id.claims, "at_hash") == jose::halfHash(jose::Algorithm::es256, accessToken));
    CHECK(f.userinfo(accessToken).status == 200);
    REQUIRE(run(f.io, f.store.deleteSession(f.session.id)).has_value());
    CHECK(f.userinfo(accessToken).status == 401);
}

TEST_CASE("pairwise subjects differ between sectors and stay stable", "[unit][oidc]") {
    OidcFixture f;
    f.rp->pairwiseSubject = true;
    auto other = confidential("other");
    other->pairwiseSubject = true;
    other->redirectUris = {"https://other.example.net/cb"};
    f.services.push_back(makeService(other));
    f.rebuild();
    auto rpSub = str(f.verifiedIdToken(str(f.tokens(), "id_token")).claims, "sub");
    CHECK(rpSub != "f1234567");
    CHECK(rpSub == str(f.verifiedIdToken(str(f.tokens(), "id_token")).claims, "sub"));
    auto c = f.code("other", "https://other.example.net/cb");
    core::Parameters form{{"grant_type", "authorization_code"},
                          {"code", c},
                          {"redirect_uri", "https://other.example.net/cb"}};
    auto r = f.response(OidcFixture::withBasic(OidcFixture::post("/oidc/token", form), "other",
                                               other->clientSecret),
                        false);
    REQUIRE(r.status == 200);
    auto otherSub = str(f.verifiedIdToken(str(jsonObject(r.body), "id_token")).claims, "sub");
    CHECK(otherSub != rpSub);
    CHECK(otherSub != "f1234567");
}

TEST_CASE("back-channel logout: one signed logout token per client and session", "[unit][oidc]") {
    OidcFixture f;
    auto id = f.verifiedIdToken(str(f.tokens(), "id_token"));
    f.tokens();  // a second login of the same client in the same session
    auto visits = run(f.io, f.store.visits(f.session.id));
    REQUIRE(visits.has_value());
    auto messages = f.endpoint->logoutMessages(*visits);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].url == "https://rp.example.org/backchannel");
    CHECK(messages[0].contentType == "application/x-www-form-urlencoded");
    auto form = core::parseForm(messages[0].body);
    REQUIRE(form.has_value());
    auto token = core::findParameter(*form, "logout_token");
    REQUIRE(token.has_value());
    auto logout = f.verifiedIdToken(*token);
    CHECK(str(logout.header, "typ") == "logout+jwt");
    CHECK(str(logout.claims, "iss") == issuer);
    CHECK(str(logout.claims, "aud") == "rp");
    CHECK(str(logout.claims, "sid") == str(id.claims, "sid"));
    CHECK(str(logout.claims, "sub") == "f1234567");
    CHECK(logout.claims.at("events").as_object().contains(
        "http://schemas.openid.net/event/backchannel-logout"));
    CHECK_FALSE(logout.claims.contains("nonce"));
    CHECK_FALSE(str(logout.claims, "jti").empty());

    f.rp->frontchannelLogoutUri = "https://rp.example.org/front";
    auto frames = f.endpoint->frontChannelLogout(*visits);
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].url.starts_with("https://rp.example.org/front?iss="));
    CHECK(frames[0].url.find("&sid=" + str(id.claims, "sid")) != std::string::npos);
}

TEST_CASE("signing keys rotate while serving; the old key verifies until its tokens expired",
          "[unit][oidc]") {
    sesame::testing::TempDir dir{"sesame-oidc-rotation"};
    jose::KeyRingPolicy policy;
    policy.rotateAfter = std::chrono::hours(1);
    policy.keepPublished = std::chrono::minutes(20);
    const auto t0 = std::chrono::system_clock::now();
    auto ring = jose::KeyRing::load(dir.path() / "keys", policy, t0);
    REQUIRE(ring.has_value());
    SigningKeys keys(dir.path() / "keys", policy, std::move(*ring));
    auto before = keys.active(jose::Algorithm::rs256);
    REQUIRE(before.has_value());
    auto token = jose::sign(*before, jose::Algorithm::rs256, {{"sub", "x"}});
    REQUIRE(token.has_value());

    REQUIRE(keys.refresh(t0 + std::chrono::minutes(30)).has_value());  // not due yet
    CHECK(keys.active(jose::Algorithm::rs256)->kid() == before->kid());

    REQUIRE(keys.refresh(t0 + std::chrono::minutes(61)).has_value());  // due: a new key signs
    auto after = keys.active(jose::Algorithm::rs256);
    REQUIRE(after.has_value());
    CHECK(after->kid() != before->kid());
    CHECK(jose::verify(*token, keys.published(), {jose::Algorithm::rs256}).has_value());
    CHECK(keys.jwksJson().find(before->kid()) != std::string::npos);

    REQUIRE(keys.refresh(t0 + std::chrono::minutes(61 + 21)).has_value());  // retired and gone
    CHECK(keys.jwksJson().find(before->kid()) == std::string::npos);
    CHECK_FALSE(jose::verify(*token, keys.published(), {jose::Algorithm::rs256}).has_value());
}

TEST_CASE("failed client authentications slow an address down, not the others", "[unit][oidc]") {
    OidcFixture f;
    for (int i = 0; i < 20; ++i)
        REQUIRE(f.tokenWithCode("no-such-code", "rp", "guess-" + std::to_string(i)).status == 401);
    // The right secret from that address now waits; the code is not spent meanwhile.
    auto c = f.code("rp", callback);
    auto refused = f.tokenWithCode(c, "rp", f.rp->clientSecret);
    CHECK(refused.status == 429);
    CHECK(core::findParameter(refused.headers, "Retry-After") == "300");
    auto other = OidcFixture::withBasic(
        OidcFixture::post(
            "/oidc/token",
            {{"grant_type", "authorization_code"}, {"code", c}, {"redirect_uri", callback}}),
        "rp", f.rp->clientSecret);
    other.clientAddress = "198.51.100.7";
    CHECK(f.response(other, false).status == 200);
    // Another client from the throttled address is not slowed down.
    auto second = confidential("second");
    f.services.push_back(makeService(second));
    f.rebuild();
    CHECK(f.tokenWithCode(f.code("second", callback), "second", second->clientSecret).status ==
          200);
    f.clock.advance(300);
    CHECK(f.tokenWithCode(f.code("rp", callback), "rp", f.rp->clientSecret).status == 200);
}

TEST_CASE("RP-initiated logout: back to a registered post_logout_redirect_uri only",
          "[unit][oidc]") {
    OidcFixture f;
    auto idToken = str(f.tokens(), "id_token");
    auto endSession = [&](core::Parameters query) {
        return f.handle(OidcFixture::get("/oidc/logout", query));
    };
    SECTION("an ID token of ours and a registered URI: logout, then back there with state") {
        auto reply = endSession({{"id_token_hint", idToken},
                                 {"post_logout_redirect_uri", "https://rp.example.org/bye"},
                                 {"state", "s 1"}});
        REQUIRE(std::holds_alternative<core::LogoutRequested>(reply));
        CHECK(std::get<core::LogoutRequested>(reply).redirectTo ==
              "https://rp.example.org/bye?state=s%201");
    }
    SECTION("an expired ID token still names the client") {
        f.clock.advance(86400);
        auto reply = endSession({{"id_token_hint", idToken},
                                 {"post_logout_redirect_uri", "https://rp.example.org/bye"}});
        REQUIRE(std::holds_alternative<core::LogoutRequested>(reply));
        CHECK(std::get<core::LogoutRequested>(reply).redirectTo == "https://rp.example.org/bye");
    }
    SECTION("an unregistered URI: logout, no redirect") {
        auto reply = endSession(
            {{"id_token_hint", idToken}, {"post_logout_redirect_uri", "https://evil.example/bye"}});
        REQUIRE(std::holds_alternative<core::LogoutRequested>(reply));
        CHECK(std::get<core::LogoutRequested>(reply).redirectTo.empty());
    }
    SECTION("an ID token of another session, or an access token: the portal asks first") {
        auto decoded = jose::decode(idToken);
        REQUIRE(decoded.has_value());
        core::Session other = f.session;
        other.id = "session-2";
        REQUIRE(run(f.io, f.store.createSession(other)).has_value());
        auto reply = run(
            f.io, f.endpoint->handle(OidcFixture::get("/oidc/logout", {{"id_token_hint", idToken}}),
                                     std::optional(other)));
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        CHECK(core::findParameter(std::get<core::HttpResponse>(reply).headers, "Location") ==
              "/logout");
        auto accessToken = str(f.tokens(), "access_token");
        auto withAccessToken = endSession({{"id_token_hint", accessToken}});
        CHECK(std::holds_alternative<core::HttpResponse>(withAccessToken));
    }
    SECTION("no ID token, or a forged one: the portal asks the person first") {
        auto decoded = jose::decode(idToken);
        REQUIRE(decoded.has_value());
        for (const auto& hint : {std::string{}, unsignedToken(decoded->claims)}) {
            core::Parameters q{{"client_id", "rp"},
                               {"post_logout_redirect_uri", "https://rp.example.org/bye"}};
            if (!hint.empty()) q.emplace_back("id_token_hint", hint);
            auto reply = endSession(q);
            REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
            auto& r = std::get<core::HttpResponse>(reply);
            CHECK(r.status == 303);
            CHECK(core::findParameter(r.headers, "Location") == "/logout");
        }
    }
}
