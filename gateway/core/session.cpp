#include "gateway/core/session.hpp"

#include <boost/json.hpp>

namespace sesame::core {
namespace {
std::string str(const boost::json::object& o, const char* key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string{};
}
std::int64_t integer(const boost::json::object& o, const char* key) {
    auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : 0;
}
}  // namespace

boost::json::value toJson(const Session& s) {
    return boost::json::object{{"id", s.id},
                               {"identity", toJson(s.identity)},
                               {"createdAt", s.createdAt},
                               {"lastSeenAt", s.lastSeenAt},
                               {"language", s.language}};
}

Result<Session> sessionFromJson(const boost::json::value& value) {
    if (!value.is_object()) return Errc::invalid_argument;
    const auto& o = value.as_object();
    Session s;
    s.id = str(o, "id");
    auto* identity = o.if_contains("identity");
    if (s.id.empty() || !identity) return Errc::invalid_argument;
    auto id = identityFromJson(*identity);
    if (!id) return id.error();
    s.identity = std::move(*id);
    s.createdAt = integer(o, "createdAt");
    s.lastSeenAt = integer(o, "lastSeenAt");
    s.language = str(o, "language");
    return s;
}

boost::json::value parametersToJson(const Parameters& parameters) {
    boost::json::array out;
    for (const auto& [k, v] : parameters) out.push_back(boost::json::array{k, v});
    return out;
}

Parameters parametersFromJson(const boost::json::value* value) {
    Parameters out;
    if (!value || !value->is_array()) return out;
    for (const auto& e : value->as_array()) {
        if (!e.is_array() || e.as_array().size() != 2) continue;
        const auto& a = e.as_array();
        if (a[0].is_string() && a[1].is_string())
            out.emplace_back(std::string(a[0].as_string()), std::string(a[1].as_string()));
    }
    return out;
}

boost::json::value toJson(const ServiceVisit& v) {
    boost::json::object o{{"protocol", v.protocol},
                          {"serviceId", v.serviceId},
                          {"service", v.service},
                          {"index", v.sessionIndex},
                          {"logoutUrl", v.logoutUrl}};
    if (!v.details.empty()) o["details"] = parametersToJson(v.details);
    return o;
}

Result<ServiceVisit> serviceVisitFromJson(const boost::json::value& value) {
    if (!value.is_object()) return Errc::invalid_argument;
    const auto& o = value.as_object();
    ServiceVisit v{str(o, "protocol"),  str(o, "serviceId"),
                   str(o, "service"),   str(o, "index"),
                   str(o, "logoutUrl"), parametersFromJson(o.if_contains("details"))};
    if (v.service.empty()) return Errc::invalid_argument;
    return v;
}

}  // namespace sesame::core
