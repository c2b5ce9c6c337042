#include "protocols/cas/cas_config.hpp"

namespace sesame::cas {
namespace {
std::chrono::seconds boundedDuration(const core::ConfigNode& node, core::ConfigErrors& errors,
                                     std::chrono::seconds fallback, std::chrono::seconds min,
                                     std::chrono::seconds max, const char* expected) {
    std::size_t before = errors.all().size();
    auto value = node.asDuration(errors, fallback);
    if (errors.all().size() != before) return fallback;
    if (value < min || value > max) {
        errors.add(node, expected);
        return fallback;
    }
    return value;
}
}  // namespace

CasConfig CasConfig::parse(const core::ConfigNode& section, std::string publicUrl,
                           core::ConfigErrors& errors) {
    using std::chrono::seconds;
    CasConfig c;
    c.publicUrl = std::move(publicUrl);
    if (!section.present()) return c;
    if (!section.isMap()) {
        errors.add(section, "expected a map of CAS settings");
        return c;
    }
    section.checkKeys(errors, {"service_ticket_lifetime", "proxy_ticket_lifetime",
                               "proxy_granting_ticket_lifetime", "release_attributes_v2"});
    c.serviceTicketLifetime = boundedDuration(
        section["service_ticket_lifetime"], errors, c.serviceTicketLifetime, seconds(1),
        seconds(300), "expected a duration from 1s to 5m (CAS 3.0 §3.1.1 recommends 5m at most)");
    c.proxyTicketLifetime = boundedDuration(
        section["proxy_ticket_lifetime"], errors, c.proxyTicketLifetime, seconds(1), seconds(300),
        "expected a duration from 1s to 5m (CAS 3.0 §3.2.1 recommends 5m at most)");
    c.proxyGrantingTicketLifetime = boundedDuration(
        section["proxy_granting_ticket_lifetime"], errors, c.proxyGrantingTicketLifetime,
        seconds(60), seconds(86400), "expected a duration from 1m to 1d");
    c.releaseAttributesV2 = section["release_attributes_v2"].asBool(errors, c.releaseAttributesV2);
    return c;
}

policies::ProtocolSchema casServiceSchema() {
    return {"cas",
            {"proxy_callback_pattern", "logout_url"},
            [](const core::ConfigNode& node, core::ConfigErrors& errors) {
                auto s = std::make_shared<CasServiceSettings>();
                s->proxyCallback =
                    policies::UrlPattern::parse(node["proxy_callback_pattern"], errors);
                s->logoutUrl = node["logout_url"].asString(errors);
                if (!s->logoutUrl.empty() && s->logoutUrl.rfind("https://", 0) != 0 &&
                    s->logoutUrl.rfind("http://", 0) != 0)
                    errors.add(node["logout_url"], "expected an http:// or https:// URL");
                return std::shared_ptr<const policies::ProtocolSettings>(std::move(s));
            }};
}

}  // namespace sesame::cas
