#include "gateway/session/redis_sentinel.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace sesame::session {

SentinelAnswer readMasterAddress(const RedisReply& reply) {
    if (reply.isNil()) return {std::nullopt, "does not know this master name"};
    if (reply.isError()) return {std::nullopt, "refused: " + reply.text()};
    const auto& e = reply.elements();
    if (!reply.isArray() || e.size() != 2 || !e[0].isString() || !e[1].isString())
        return {std::nullopt, "gave an unexpected reply " + describe(reply)};
    // The host is an IP (or a name with resolve-hostnames); an IPv6 one comes without brackets.
    const std::string& host = e[0].text();
    const std::string& portText = e[1].text();
    unsigned port = 0;
    auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (host.empty() || ec != std::errc{} || p != portText.data() + portText.size() || port == 0 ||
        port > 65535)
        return {std::nullopt, "gave an unusable address " + describe(reply)};
    return {RedisEndpoint{host, static_cast<std::uint16_t>(port)}, {}};
}

bool isMasterRole(const RedisReply& reply) {
    return reply.isArray() && !reply.elements().empty() && reply.elements().front().isString() &&
           reply.elements().front().text() == "master";
}

std::optional<RedisEndpoint> readSwitchMaster(const RedisReply& message,
                                              const std::string& masterName) {
    const auto& e = message.elements();
    if (!message.isArray() || e.size() != 3 || e[0].text() != "message" ||
        e[1].text() != "+switch-master")
        return std::nullopt;
    std::istringstream words(e[2].text());
    std::string name, oldHost, oldPort, newHost, newPort;
    if (!(words >> name >> oldHost >> oldPort >> newHost >> newPort) || name != masterName)
        return std::nullopt;
    auto answer = readMasterAddress(
        RedisReply::array({RedisReply::string(newHost), RedisReply::string(newPort)}));
    return answer.master;
}

bool isReadOnlyError(const RedisReply& reply) {
    if (reply.isError()) return reply.text().rfind("READONLY", 0) == 0;
    const auto& e = reply.elements();
    return std::any_of(e.begin(), e.end(), [](const RedisReply& r) { return isReadOnlyError(r); });
}

void preferSentinel(std::vector<RedisEndpoint>& sentinels, std::size_t index) {
    if (index >= sentinels.size()) return;
    std::rotate(sentinels.begin(), sentinels.begin() + static_cast<std::ptrdiff_t>(index),
                sentinels.begin() + static_cast<std::ptrdiff_t>(index) + 1);
}

}  // namespace sesame::session
