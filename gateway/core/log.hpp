#pragma once
// Structured logs: one JSON object per line on stderr, with the component, the request id of the
// request being served (set by gateway/http for the coroutine running it) and fields that went
// through redact() first, so that passwords, tickets, codes, assertions and cookies never reach
// a log file.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sesame::core {

enum class LogLevel { debug, info, warning, error };

using LogField = std::pair<std::string_view, std::string>;

class Logger {
  public:
    explicit Logger(std::string component) : component_(std::move(component)) {}
    void debug(std::string_view event, std::initializer_list<LogField> fields = {}) const;
    void info(std::string_view event, std::initializer_list<LogField> fields = {}) const;
    void warning(std::string_view event, std::initializer_list<LogField> fields = {}) const;
    void error(std::string_view event, std::initializer_list<LogField> fields = {}) const;
    void write(LogLevel level, std::string_view event,
               std::initializer_list<LogField> fields) const;

  private:
    std::string component_;
};

void setMinimumLogLevel(LogLevel level);
// The request id that log lines of this thread carry; gateway/http sets it around each request.
void setCurrentRequestId(std::string id);
const std::string& currentRequestId();

// Replaces secrets by a short fingerprint-free marker. A field is secret by its name (password,
// ticket, code, cookie, assertion, token, secret, SAMLResponse...) or its value (a CAS ticket
// "ST-...", "TGT-..."): callers may log parameters wholesale without leaking.
std::string redact(std::string_view name, std::string_view value);
// A URL or query string with the values of secret parameters redacted.
std::string redactQuery(std::string_view url);

}  // namespace sesame::core
