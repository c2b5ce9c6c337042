// Every /oidc route as a relying party, an app, a resource server or a stranger can call it
// before anybody is authenticated, through oidc::OidcEndpoint::handle, with and without an SSO
// session: authorize parameters, token requests of every grant, basic credentials, client
// assertions, bearer tokens, introspection and revocation, id_token_hint. A login it asks for is
// resumed (logged in, refused by policy, and prompt=none without a session).
//
// The store is a MemorySessionStore made afresh for each input and holding live artefacts, so
// that success paths are reached: a session, a code for the confidential client and one for the
// public client (PKCE), a refresh token, an opaque access token and their grant. The input can
// name them, and tokens signed at start, by placeholders that are replaced before parsing:
//   $CODE $PCODE $RT $OAT   the code (rp), the PKCE code (app), refresh and opaque access tokens
//   $AT $IDT $CA            a JWT access token, an ID token (id_token_hint), a client assertion
//   $BASIC                  rp's basic credentials ("Basic ..."), for the Authorization line
// Input, one field a line: the method (with " session" after it: the request comes with the SSO
// session's cookie), the request target, the Authorization header (empty: none), then the body
// (a form).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string_view>

#include "gateway/config/yaml_file.hpp"
#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "policies/policy.hpp"
#include "protocols/oidc/claims.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"
#include "test/fuzz/fuzz_check.hpp"
#include "test/fuzz/fuzz_input.hpp"

using namespace sesame;
namespace asio = boost::asio;

namespace {

constexpr std::int64_t now = 1'765'000'000;
constexpr std::string_view verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFGbc5oY";
constexpr std::string_view code = "fuzzCode000000000000000000000000000000000000";
constexpr std::string_view publicCode = "fuzzPublicCode00000000000000000000000000000";
constexpr std::string_view refreshToken = "fuzzRefreshToken0000000000000000000000000000";
constexpr std::string_view opaqueToken = "fuzzOpaqueAccessToken00000000000000000000000";
constexpr std::string_view grantId = "fuzz-grant";

// The provider's keys, made at first start in a private directory removed at exit.
struct KeyDirectory {
    std::filesystem::path path;
    KeyDirectory() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sesame-fuzz-oidc.XXXXXX");
        FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~KeyDirectory() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

const jose::Jwk& clientKey() {  // kj's private_key_jwt key
    static const jose::Jwk key = jose::Jwk::generate(jose::Algorithm::es256).value();
    return key;
}

const oidc::OidcConfig& opConfig() {
    static const KeyDirectory directory;
    static const oidc::OidcConfig parsed = [] {
        auto map = core::ConfigNode::makeMap((directory.path / "sesame.yml").string(), "oidc", 1);
        core::ConfigErrors errors;
        auto c = oidc::OidcConfig::parse(map, "https://sesame.example.org", errors);
        FUZZ_CHECK(errors.empty() && c.keys);
        return c;
    }();
    return parsed;
}

const policies::ServiceRegistry& registry() {
    static const policies::ServiceRegistry services = [] {
        auto jwks = boost::json::serialize(
            boost::json::object{{"keys", boost::json::array{clientKey().publicJson()}}});
        std::string yaml = R"(services:
  - id: rp
    name: RP
    protocol: oidc
    client_id: rp
    client_secret: rp-secret-0123
    token_endpoint_auth_methods: [client_secret_basic, client_secret_post]
    redirect_uris: [https://rp.example.org/callback]
    post_logout_redirect_uris: [https://rp.example.org/bye]
    backchannel_logout_uri: https://rp.example.org/backchannel
    frontchannel_logout_uri: https://rp.example.org/front
    grant_types: [authorization_code, refresh_token]
    scopes: [openid, profile, email, ent, offline_access]
    user_attribute: subject
    release: {preferred_username: login, email: email, ent_profiles: profiles}
  - id: app
    name: App
    protocol: oidc
    client_id: app
    token_endpoint_auth_methods: [none]
    redirect_uris: [https://app.example.org/cb]
    grant_types: [authorization_code, refresh_token]
    access_token_format: opaque
    id_token_signed_response_alg: ES256
    subject_type: pairwise
  - id: kj
    name: Key JWT
    protocol: oidc
    client_id: kj
    token_endpoint_auth_methods: [private_key_jwt]
    jwks: ')" + jwks + R"('
    redirect_uris: [https://kj.example.org/cb]
    grant_types: [authorization_code, client_credentials]
    scopes: [openid, notes.read]
)";
        core::ConfigErrors errors;
        auto file = config::loadYamlString(yaml, "fuzz-services.yml", errors);
        FUZZ_CHECK(file.has_value());
        auto habilitation = policies::HabilitationRules::defaults();
        auto parsed = policies::ServiceRegistry::parse({*file}, habilitation.ladder(),
                                                       habilitation.assurance(),
                                                       {oidc::oidcServiceSchema()}, errors);
        if (!errors.empty()) std::fprintf(stderr, "%s\n", errors.format().c_str());
        FUZZ_CHECK(errors.empty());
        return parsed;
    }();
    return services;
}

const policies::Service* lookup(const std::string& protocol, const std::string& id) {
    return registry().find(protocol, id);
}

oidc::Grant grant(std::string client) {
    oidc::Grant g;
    g.clientId = client;
    g.serviceId = client;
    g.subject = "f1234567";
    g.ssoSessionId = "session-1";
    g.sid = oidc::sessionIdFor("session-1", opConfig());
    g.scopes = {"openid", "profile", "email"};
    g.claims = {{"email", "prof@example.org"}};
    g.authTime = now;
    g.acr = "low";
    g.amr = {"pwd"};
    return g;
}

std::string signedToken(boost::json::object claims, std::string_view typ) {
    return jose::sign(*opConfig().keys->active(jose::Algorithm::rs256), jose::Algorithm::rs256,
                      claims, typ)
        .value();
}

// The placeholders of the input and what they stand for.
const std::vector<std::pair<std::string, std::string>>& placeholders() {
    static const std::vector<std::pair<std::string, std::string>> values = [] {
        const std::string iss = opConfig().issuer;
        auto accessToken = signedToken({{"iss", iss},
                                        {"sub", "f1234567"},
                                        {"aud", "rp"},
                                        {"client_id", "rp"},
                                        {"iat", now},
                                        {"exp", now + 600},
                                        {"jti", "at-1"},
                                        {"scope", "openid profile email"},
                                        {"gid", grantId}},
                                       "at+jwt");
        auto idToken = signedToken(
            {{"iss", iss}, {"sub", "f1234567"}, {"aud", "rp"}, {"iat", now}, {"exp", now + 600}},
            "JWT");
        auto assertion = jose::sign(clientKey(), jose::Algorithm::es256,
                                    {{"iss", "kj"},
                                     {"sub", "kj"},
                                     {"aud", iss + "/token"},
                                     {"jti", "jti-1"},
                                     {"iat", now},
                                     {"exp", now + 60}})
                             .value();
        return std::vector<std::pair<std::string, std::string>>{
            {"$PCODE", std::string(publicCode)},
            {"$CODE", std::string(code)},
            {"$RT", std::string(refreshToken)},
            {"$OAT", std::string(opaqueToken)},
            {"$AT", accessToken},
            {"$IDT", idToken},
            {"$CA", assertion},
            {"$BASIC", "Basic " + core::base64Encode("rp:rp-secret-0123")},
        };
    }();
    return values;
}

std::string substituted(std::string_view input) {
    std::string out(input);
    for (const auto& [name, value] : placeholders())
        for (auto at = out.find(name); at != std::string::npos; at = out.find(name, at + 1))
            out.replace(at, name.size(), value);
    return out;
}

core::Session session() {
    core::Session s;
    s.id = "session-1";
    s.identity.subject = "f1234567";
    s.identity.login = "prof.herriot";
    s.identity.email = "prof@example.org";
    s.identity.authMethod = "password";
    s.identity.assurance = "low";
    s.identity.authTime = now;
    s.createdAt = s.lastSeenAt = now;
    s.language = "fr";
    return s;
}

asio::awaitable<void> seed(session::SessionStore& store) {
    FUZZ_CHECK((co_await store.createSession(session())).has_value());
    auto rpCode = grant("rp");
    rpCode.redirectUri = "https://rp.example.org/callback";
    rpCode.nonce = "n-1";
    auto appCode = grant("app");
    appCode.redirectUri = "https://app.example.org/cb";
    appCode.codeChallenge = core::base64UrlEncode(core::sha256(verifier));
    const std::chrono::seconds hour{3600};
    co_await store.putSessionArtefact(oidc::codes, oidc::storageId(code), toJsonText(rpCode), hour,
                                      "session-1");
    co_await store.putSessionArtefact(oidc::codes, oidc::storageId(publicCode), toJsonText(appCode),
                                      hour, "session-1");
    co_await store.putSessionArtefact(oidc::grants, std::string(grantId), toJsonText(grant("rp")),
                                      hour, "session-1");
    co_await store.putSessionArtefact(oidc::refreshTokens, oidc::storageId(refreshToken),
                                      std::string(grantId), hour, "session-1");
    co_await store.putSessionArtefact(oidc::accessTokens, oidc::storageId(opaqueToken),
                                      std::string(grantId), hour, "session-1");
}

void runToEnd(asio::io_context& io, asio::awaitable<void> task) {
    asio::co_spawn(io, std::move(task), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.restart();
    io.run();
}

// A redirect or a form post only ever goes to a URI registered for some client.
bool registeredTarget(std::string_view url) {
    // Sesame's own logout page (an end_session request without an ID token: the portal asks).
    if (url == "/logout") return true;
    auto base = std::string(url.substr(0, url.find('?')));
    for (const auto& s : registry().all()) {
        const auto* c = s.settingsAs<oidc::OidcClientSettings>();
        if (c && (c->hasRedirectUri(base) || c->hasPostLogoutRedirectUri(base))) return true;
    }
    return false;
}

void checkResponse(const core::HttpResponse& r) {
    FUZZ_CHECK(r.status >= 200 && r.status <= 599);
    if (auto location = core::findParameter(r.headers, "Location"))
        FUZZ_CHECK(registeredTarget(*location));
    if (r.status == 200 && r.body.find("<form") != std::string::npos) {
        auto action = r.body.find("action=\"");
        FUZZ_CHECK(action != std::string::npos);
        auto end = r.body.find('"', action + 8);
        FUZZ_CHECK(registeredTarget(r.body.substr(action + 8, end - action - 8)));
    }
    auto type = core::findParameter(r.headers, "Content-Type").value_or("");
    if (type.find("json") != std::string::npos && !r.body.empty()) {
        boost::system::error_code ec;
        auto v = boost::json::parse(r.body, ec);
        FUZZ_CHECK(!ec && v.is_object());
        // Errors and token answers are never cached (RFC 6749 §5.1).
        if (v.as_object().contains("access_token") || v.as_object().contains("error"))
            FUZZ_CHECK(r.authenticationPage || r.status == 401 || r.status == 403);
    }
}

// Introspection tells a client about its own tokens only: an active answer names the client
// the request authenticated as (by its basic credentials, its client_id, or kj's assertion).
void checkIntrospection(const core::HttpRequest& request, const core::HttpResponse& r) {
    if (request.path != "/oidc/introspect" || r.status != 200) return;
    auto answer = boost::json::parse(r.body).as_object();
    if (answer.at("active") != true) return;
    std::set<std::string> named;
    if (auto id = request.formParam("client_id")) named.insert(*id);
    if (request.formParam("client_assertion")) named.insert("kj");
    auto basic = request.header("authorization").value_or("");
    if (basic.size() > 6)
        if (auto decoded = core::base64Decode(std::string_view(basic).substr(6)))
            if (auto id = core::urlDecode(decoded->substr(0, decoded->find(':'))))
                named.insert(*id);
    FUZZ_CHECK(answer.at("client_id").is_string() &&
               named.contains(std::string(answer.at("client_id").get_string())));
}

asio::awaitable<void> exchange(oidc::OidcEndpoint& endpoint, const core::HttpRequest& request,
                               bool withSession) {
    auto s = session();
    // Named: GCC 12 ends a temporary of a conditional expression under co_await too early.
    std::optional<core::Session> cookie;
    if (withSession) cookie = s;
    auto reply = co_await endpoint.handle(request, cookie);
    if (auto* r = std::get_if<core::HttpResponse>(&reply)) {
        checkResponse(*r);
        checkIntrospection(request, *r);
    }
    if (auto* logout = std::get_if<core::LogoutRequested>(&reply))
        FUZZ_CHECK(logout->redirectTo.empty() || registeredTarget(logout->redirectTo));
    if (auto* needs = std::get_if<core::NeedsAuthentication>(&reply)) {
        // Only a registered client at a registered redirect URI gets as far as a login.
        auto client = lookup("oidc", needs->flow.service);
        FUZZ_CHECK(client != nullptr);
        checkResponse(endpoint.resumeUnauthenticated(needs->flow));
        if (auto refusal = endpoint.refusal(needs->flow))
            FUZZ_CHECK(registeredTarget(refusal->action));
        core::Release release;
        release.user = "f1234567";
        release.attributes.add("email", "prof@example.org");
        auto resumed = co_await endpoint.resume(needs->flow, s, release, true);
        if (resumed) checkResponse(*resumed);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = (core::setMinimumLogLevel(core::LogLevel::error), true);
    (void)quiet;
    if (size > 64 * 1024) return 0;
    auto text = substituted(std::string_view(reinterpret_cast<const char*>(data), size));
    std::string_view rest = text;
    auto methodLine = fuzz::takeLine(rest);
    auto target = fuzz::takeLine(rest);
    auto authorization = fuzz::takeLine(rest);
    bool withSession = methodLine.ends_with(" session");
    if (withSession) methodLine.remove_suffix(8);

    core::HttpRequest request;
    request.method = std::string(methodLine);
    auto question = target.find('?');
    auto path = core::urlDecode(target.substr(0, question), false);
    if (!path || !path->starts_with("/oidc")) return 0;  // the app routes /oidc/* only
    request.path = std::move(*path);
    request.rawTarget = std::string(target);
    if (question != std::string_view::npos) {
        auto query = core::parseForm(target.substr(question + 1));
        if (!query) return 0;  // gateway/http answers 400 first
        request.query = std::move(*query);
    }
    if (!authorization.empty())
        request.headers.emplace_back("authorization", std::string(authorization));
    request.body = std::string(rest);
    if (request.method == "POST") {
        auto form = core::parseForm(rest);
        if (!form) return 0;
        request.form = std::move(*form);
        request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    }
    request.host = "sesame.example.org";
    request.clientAddress = "192.0.2.1";

    core::ManualClock clock{now};
    session::MemorySessionStore store(clock);
    oidc::OidcEndpoint endpoint(opConfig(), lookup, policies::defaultAssuranceLadder(), store,
                                clock);
    asio::io_context io;
    runToEnd(io, seed(store));
    runToEnd(io, exchange(endpoint, request, withSession));
    return 0;
}
