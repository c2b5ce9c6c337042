#include "protocols/oidc/grant.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"

namespace sesame::oidc {
namespace {

std::string text(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::vector<std::string> strings(const boost::json::object& o, std::string_view key) {
    std::vector<std::string> out;
    if (const auto* v = o.if_contains(key); v && v->is_array())
        for (const auto& item : v->get_array())
            if (item.is_string()) out.emplace_back(item.get_string());
    return out;
}

boost::json::array array(const std::vector<std::string>& values) {
    boost::json::array out;
    for (const auto& v : values) out.emplace_back(v);
    return out;
}

}  // namespace

std::string toJsonText(const Grant& g) {
    boost::json::object o;
    o["client"] = g.clientId;
    o["service"] = g.serviceId;
    o["sub"] = g.subject;
    if (!g.ssoSessionId.empty()) o["session"] = g.ssoSessionId;
    if (!g.sid.empty()) o["sid"] = g.sid;
    o["scopes"] = array(g.scopes);
    o["claims"] = g.claims;
    o["auth_time"] = g.authTime;
    if (!g.acr.empty()) o["acr"] = g.acr;
    if (!g.amr.empty()) o["amr"] = array(g.amr);
    if (!g.redirectUri.empty()) o["redirect_uri"] = g.redirectUri;
    if (!g.nonce.empty()) o["nonce"] = g.nonce;
    if (!g.codeChallenge.empty()) o["code_challenge"] = g.codeChallenge;
    return boost::json::serialize(o);
}

Result<Grant> grantFromJsonText(std::string_view json) {
    boost::system::error_code ec;
    auto value = boost::json::parse(json, ec);
    if (ec || !value.is_object()) return make_error_code(core::Errc::invalid_argument);
    const auto& o = value.get_object();
    Grant g;
    g.clientId = text(o, "client");
    g.serviceId = text(o, "service");
    g.subject = text(o, "sub");
    g.ssoSessionId = text(o, "session");
    g.sid = text(o, "sid");
    g.scopes = strings(o, "scopes");
    if (const auto* c = o.if_contains("claims"); c && c->is_object()) g.claims = c->get_object();
    if (const auto* t = o.if_contains("auth_time"); t && t->is_int64()) g.authTime = t->get_int64();
    g.acr = text(o, "acr");
    g.amr = strings(o, "amr");
    g.redirectUri = text(o, "redirect_uri");
    g.nonce = text(o, "nonce");
    g.codeChallenge = text(o, "code_challenge");
    if (g.clientId.empty() || g.subject.empty())
        return make_error_code(core::Errc::invalid_argument);
    return g;
}

std::string storageId(std::string_view secret) {
    return core::base64UrlEncode(core::sha256(secret));
}

}  // namespace sesame::oidc
