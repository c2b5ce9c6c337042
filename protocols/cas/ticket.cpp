#include "protocols/cas/ticket.hpp"

#include <boost/json.hpp>

#include "gateway/core/random.hpp"
#include "protocols/cas/cas_error.hpp"

namespace sesame::cas {

std::string newTicketId(std::string_view prefix) {
    std::string id(prefix);
    id += '-';
    while (id.size() < prefix.size() + 1 + ticketRandomLength) {
        // 48 bytes = 64 base64url characters, each carrying a full, uniform 6 bits.
        for (char c : core::randomToken(48)) {
            if (c == '-' || c == '_') continue;
            id += c;
            if (id.size() == prefix.size() + 1 + ticketRandomLength) break;
        }
    }
    return id;
}

namespace json = boost::json;

std::string serialize(const TicketGrant& g) {
    json::object attributes;
    for (const auto& [name, values] : g.attributes.all()) {
        json::array a;
        for (const auto& v : values) a.emplace_back(v);
        attributes[name] = std::move(a);
    }
    json::array proxies;
    for (const auto& p : g.proxies) proxies.emplace_back(p);
    return json::serialize(json::object{
        {"service", g.service},
        {"serviceId", g.serviceId},
        {"sessionId", g.sessionId},
        {"user", g.user},
        {"attributes", attributes},
        {"freshLogin", g.freshLogin},
        {"authTime", g.authTime},
        {"authMethod", g.authMethod},
        {"issuedAt", g.issuedAt},
        {"proxies", proxies},
    });
}

Result<TicketGrant> parseTicketGrant(std::string_view text) {
    // The whole tree lives in a buffer on this stack frame (a grant is a few hundred bytes to a
    // few kB; a bigger one spills to the heap): no allocation per node.
    unsigned char buffer[8192];
    json::monotonic_resource arena(buffer, sizeof buffer);
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, &arena);
    if (ec || !v.is_object()) return Errc::internal_error;
    const auto& o = v.as_object();
    auto str = [&](const char* k) {
        auto* p = o.if_contains(k);
        return p && p->is_string() ? std::string(p->get_string()) : std::string{};
    };
    auto integer = [&](const char* k) -> std::int64_t {
        auto* p = o.if_contains(k);
        return p && p->is_int64() ? p->as_int64() : 0;
    };
    TicketGrant g;
    g.service = str("service");
    g.serviceId = str("serviceId");
    g.sessionId = str("sessionId");
    g.user = str("user");
    g.authMethod = str("authMethod");
    g.authTime = integer("authTime");
    g.issuedAt = integer("issuedAt");
    if (auto* p = o.if_contains("freshLogin"); p && p->is_bool()) g.freshLogin = p->as_bool();
    if (auto* p = o.if_contains("attributes"); p && p->is_object()) {
        for (const auto& [name, values] : p->as_object()) {
            if (!values.is_array()) continue;
            std::vector<std::string> list;
            for (const auto& e : values.as_array())
                if (e.is_string()) list.emplace_back(e.as_string());
            g.attributes.set(std::string(name), std::move(list));
        }
    }
    if (auto* p = o.if_contains("proxies"); p && p->is_array())
        for (const auto& e : p->as_array())
            if (e.is_string()) g.proxies.emplace_back(e.as_string());
    if (g.service.empty() || g.user.empty()) return Errc::internal_error;
    return g;
}

}  // namespace sesame::cas
