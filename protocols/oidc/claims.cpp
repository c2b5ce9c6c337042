#include "protocols/oidc/claims.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>

#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"

namespace sesame::oidc {
namespace {

bool isMultiValued(const std::string& source) {
    static const std::vector<std::string> lists{"profiles",   "profiles.sdet3", "profiles.gar",
                                                "structures", "functions",      "classes",
                                                "children"};
    return std::find(lists.begin(), lists.end(), source) != lists.end();
}

const std::string* sourceOf(const policies::Service& service, const std::string& claim) {
    for (const auto& r : service.release)
        if (r.name == claim) return &r.source;
    return nullptr;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
bool validScopeToken(std::string_view token) {
    return !token.empty() && token.size() <= 128 &&
           std::all_of(token.begin(), token.end(), [](char c) {
               auto u = static_cast<unsigned char>(c);
               return u >= 0x21 && u <= 0x7e && c != '"' && c != '\\';
           });
}

}  // namespace

std::optional<std::vector<std::string>> parseScope(std::string_view scope) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < scope.size()) {
        auto end = scope.find(' ', at);
        if (end == std::string_view::npos) end = scope.size();
        auto token = scope.substr(at, end - at);
        if (!token.empty()) {
            if (!validScopeToken(token) || out.size() >= 64) return std::nullopt;
            if (std::find(out.begin(), out.end(), token) == out.end()) out.emplace_back(token);
        }
        at = end + 1;
    }
    return out;
}

std::string joinScope(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) {
        if (!out.empty()) out += ' ';
        out += s;
    }
    return out;
}

std::vector<std::string> grantedScopes(const std::vector<std::string>& asked,
                                       const OidcClientSettings& client, const OidcConfig& config) {
    std::vector<std::string> out;
    if (std::find(asked.begin(), asked.end(), "openid") != asked.end()) out.push_back("openid");
    for (const auto& s : asked)
        if (s != "openid" && client.allowsScope(s) && config.scopes.count(s)) out.push_back(s);
    return out;
}

std::string subjectFor(const core::Release& release, const OidcClientSettings& client,
                       const OidcConfig& config) {
    if (!client.pairwiseSubject) return release.user;
    // The sector: the redirect URIs' one host, else the client itself.
    std::string sector;
    for (const auto& uri : client.redirectUris) {
        auto parsed = boost::urls::parse_uri(uri);
        std::string host = parsed ? std::string(parsed->host()) : uri;
        if (sector.empty()) {
            sector = host;
        } else if (sector != host) {
            sector = "client:" + client.clientId;
            break;
        }
    }
    if (sector.empty()) sector = "client:" + client.clientId;
    return core::base64UrlEncode(
        core::hmacSha256(config.subjectSecret, {"pairwise-sub", sector, release.user}));
}

std::string sessionIdFor(const std::string& ssoSessionId, const OidcConfig& config) {
    return core::base64UrlEncode(core::hmacSha256(config.subjectSecret, {"sid", ssoSessionId}))
        .substr(0, 32);
}

boost::json::object claimsFor(const core::Release& release, const policies::Service& service,
                              const std::vector<std::string>& scopes, const OidcConfig& config) {
    boost::json::object out;
    for (const auto& scope : scopes) {
        auto it = config.scopes.find(scope);
        if (it == config.scopes.end()) continue;
        for (const auto& claim : it->second) {
            const auto* entry = release.attributes.find(claim);
            if (!entry || entry->second.empty() || out.contains(claim)) continue;
            const auto* source = sourceOf(service, claim);
            if (source && isMultiValued(*source)) {
                boost::json::array values;
                for (const auto& v : entry->second) values.emplace_back(v);
                out[claim] = std::move(values);
            } else if (claim == "email_verified") {
                out[claim] = entry->second.front() == "true";
            } else {
                out[claim] = entry->second.front();
            }
        }
    }
    return out;
}

boost::json::object claimsOfScopes(const boost::json::object& claims,
                                   const std::vector<std::string>& scopes,
                                   const OidcConfig& config) {
    boost::json::object out;
    for (const auto& scope : scopes) {
        auto it = config.scopes.find(scope);
        if (it == config.scopes.end()) continue;
        for (const auto& claim : it->second)
            if (const auto* v = claims.if_contains(claim)) out[claim] = *v;
    }
    return out;
}

}  // namespace sesame::oidc
