#include "gateway/core/log.hpp"

#include "gateway/core/text.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sesame::core {
namespace {
std::atomic<int> minimumLevel{static_cast<int>(LogLevel::info)};
thread_local std::string requestId;
std::mutex writeMutex;

const char* levelName(LogLevel l) {
    switch (l) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warning:
            return "warning";
        case LogLevel::error:
            return "error";
    }
    return "info";
}

bool secretName(std::string_view name) {
    static constexpr std::string_view secrets[] = {
        "password", "passwd", "ticket",       "code",          "cookie",        "assertion",
        "token",    "secret", "samlresponse", "samlrequest",   "logoutrequest", "pgt",
        "pgtid",    "pgtiou", "csrf",         "authorization", "session",       "artifact"};
    std::string n = toLower(name);
    return std::any_of(std::begin(secrets), std::end(secrets),
                       [&](std::string_view s) { return n.find(s) != std::string::npos; });
}

bool secretValue(std::string_view value) {
    static constexpr std::string_view prefixes[] = {"ST-", "PT-", "PGT-", "PGTIOU-", "TGT-"};
    return std::any_of(std::begin(prefixes), std::end(prefixes),
                       [&](std::string_view p) { return value.substr(0, p.size()) == p; });
}

std::string quoted(std::string_view s) {
    return boost::json::serialize(boost::json::string(s));
}

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    return buf;
}
}  // namespace

void setMinimumLogLevel(LogLevel level) {
    minimumLevel = static_cast<int>(level);
}
void setCurrentRequestId(std::string id) {
    requestId = std::move(id);
}
const std::string& currentRequestId() {
    return requestId;
}

std::string redact(std::string_view name, std::string_view value) {
    if (value.empty()) return {};
    if (secretName(name) || secretValue(value)) return "[redacted]";
    return std::string(value);
}

std::string redactQuery(std::string_view url) {
    auto q = url.find('?');
    if (q == std::string_view::npos) return std::string(url);
    std::string out(url.substr(0, q + 1));
    std::string_view rest = url.substr(q + 1);
    bool first = true;
    while (true) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        if (!first) out += '&';
        first = false;
        if (eq == std::string_view::npos) {
            out += pair;
        } else {
            std::string_view n = pair.substr(0, eq), v = pair.substr(eq + 1);
            out += n;
            out += '=';
            out += redact(n, v);
        }
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return out;
}

void Logger::write(LogLevel level, std::string_view event,
                   std::initializer_list<LogField> fields) const {
    if (static_cast<int>(level) < minimumLevel.load(std::memory_order_relaxed)) return;
    std::string line = "{\"ts\":\"" + timestamp() + "\",\"level\":\"" + levelName(level) +
                       "\",\"component\":" + quoted(component_) + ",\"event\":" + quoted(event);
    if (!requestId.empty()) line += ",\"request_id\":" + quoted(requestId);
    for (const auto& [name, value] : fields) {
        line += ',';
        line += quoted(name);
        line += ':';
        line += quoted(redact(name, value));
    }
    line += "}\n";
    std::lock_guard lock(writeMutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

void Logger::debug(std::string_view e, std::initializer_list<LogField> f) const {
    write(LogLevel::debug, e, f);
}
void Logger::info(std::string_view e, std::initializer_list<LogField> f) const {
    write(LogLevel::info, e, f);
}
void Logger::warning(std::string_view e, std::initializer_list<LogField> f) const {
    write(LogLevel::warning, e, f);
}
void Logger::error(std::string_view e, std::initializer_list<LogField> f) const {
    write(LogLevel::error, e, f);
}

}  // namespace sesame::core
