#pragma once
// Structured logs: one JSON object per line on stderr, with the component, the request id of the
// request being served (set by gateway/http for the coroutine running it) and fields that went
// through redact() first, so that passwords, tickets, codes, assertions and cookies never reach
// a log file.
#include <functional>
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

// Batching, for a thread that serves requests (gateway/http's workers): from now on this
// thread's info and debug lines wait in a buffer instead of costing a write(2) each, and
// `scheduleFlush` is called when a line enters an empty buffer; it must arrange for
// flushLogLines() to run on this thread soon (a worker arms a timer of a few milliseconds on its
// event loop, so the lines of many requests go out in one write). A warning or an error,
// or 16 kB of lines, flushes at once. An empty function turns batching off (after a flush).
void bufferLogLines(std::function<void()> scheduleFlush);
void flushLogLines();
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
