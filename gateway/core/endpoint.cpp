#include "gateway/core/endpoint.hpp"

#include <boost/json.hpp>

namespace sesame::core {

boost::json::value toJson(const FlowState& f) {
    boost::json::array contexts;
    for (const auto& c : f.authnContexts) contexts.push_back(boost::json::string(c));
    return boost::json::object{{"protocol", f.protocol},
                               {"serviceId", f.serviceId},
                               {"service", f.service},
                               {"force", f.forceAuthentication},
                               {"passive", f.passive},
                               {"contexts", std::move(contexts)},
                               {"comparison", f.authnComparison},
                               {"assurance", f.minimumAssurance},
                               {"level", f.minimumLevel},
                               {"hint", f.loginHint},
                               {"locales", f.uiLocales},
                               {"params", parametersToJson(f.params)}};
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
    f.forceAuthentication = boolean("force");
    f.passive = boolean("passive");
    if (auto* c = o.if_contains("contexts"); c && c->is_array())
        for (const auto& e : c->as_array())
            if (e.is_string()) f.authnContexts.emplace_back(e.as_string());
    f.authnComparison = str("comparison");
    f.minimumAssurance = str("assurance");
    f.minimumLevel = str("level");
    f.loginHint = str("hint");
    f.uiLocales = str("locales");
    f.params = parametersFromJson(o.if_contains("params"));
    if (f.protocol.empty()) return Errc::invalid_argument;
    return f;
}

}  // namespace sesame::core
