#include "gateway/core/endpoint.hpp"

#include <boost/json.hpp>

namespace sesame::core {

boost::json::value toJson(const FlowState& f) {
    boost::json::array params;
    for (const auto& [k, v] : f.params) params.push_back(boost::json::array{k, v});
    return boost::json::object{{"protocol", f.protocol}, {"serviceId", f.serviceId},
                               {"service", f.service},   {"renew", f.renew},
                               {"passive", f.passive},   {"params", std::move(params)}};
}

Result<FlowState> flowStateFromJson(const boost::json::value& value) {
    if (!value.is_object()) return Errc::invalid_argument;
    const auto& o = value.as_object();
    FlowState f;
    auto str = [&](const char* k) {
        auto* v = o.if_contains(k);
        return v && v->is_string() ? std::string(v->as_string()) : std::string{};
    };
    auto boolean = [&](const char* k) {
        auto* v = o.if_contains(k);
        return v && v->is_bool() && v->as_bool();
    };
    f.protocol = str("protocol");
    f.serviceId = str("serviceId");
    f.service = str("service");
    f.renew = boolean("renew");
    f.passive = boolean("passive");
    if (auto* p = o.if_contains("params"); p && p->is_array()) {
        for (const auto& e : p->as_array()) {
            if (!e.is_array() || e.as_array().size() != 2) continue;
            const auto& a = e.as_array();
            if (a[0].is_string() && a[1].is_string())
                f.params.emplace_back(std::string(a[0].as_string()), std::string(a[1].as_string()));
        }
    }
    if (f.protocol.empty()) return Errc::invalid_argument;
    return f;
}

}  // namespace sesame::core
