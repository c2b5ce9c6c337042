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
                           session::SessionTimeouts timeouts, core::ConfigErrors& errors) {
    using std::chrono::seconds;
    CasConfig c;
    c.publicUrl = std::move(publicUrl);
    c.sessionTimeouts = timeouts;
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

}  // namespace sesame::cas
