#include "gateway/core/log.hpp"

#include "gateway/core/text.hpp"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <functional>

namespace sesame::core {
namespace {
std::atomic<int> minimumLevel{static_cast<int>(LogLevel::info)};
thread_local std::string requestId;

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

char lowerAscii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive substring search, without lowering a copy of the name for every field.
bool containsLower(std::string_view haystack, std::string_view lowerNeedle) {
    if (lowerNeedle.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + lowerNeedle.size() <= haystack.size(); ++i) {
        std::size_t j = 0;
        while (j < lowerNeedle.size() && lowerAscii(haystack[i + j]) == lowerNeedle[j]) ++j;
        if (j == lowerNeedle.size()) return true;
    }
    return false;
}

bool secretName(std::string_view name) {
    // "pgt" covers pgtid and pgtiou, "samlre" SAMLResponse and SAMLRequest.
    static constexpr std::string_view secrets[] = {
        "password",  "passwd",  "ticket",        "code",     "cookie",
        "assertion", "token",   "secret",        "samlre",   "pgt",
        "csrf",      "session", "authorization", "artifact", "logoutrequest"};
    // Field names are short: lowered once into a stack buffer, then searched with find().
    char buffer[64];
    if (name.size() > sizeof buffer)
        return std::any_of(std::begin(secrets), std::end(secrets),
                           [&](std::string_view s) { return containsLower(name, s); });
    std::transform(name.begin(), name.end(), buffer, lowerAscii);
    std::string_view lowered(buffer, name.size());
    return std::any_of(std::begin(secrets), std::end(secrets), [&](std::string_view s) {
        return lowered.find(s) != std::string_view::npos;
    });
}

bool secretValue(std::string_view value) {
    static constexpr std::string_view prefixes[] = {"ST-", "PT-", "PGT-", "PGTIOU-", "TGT-"};
    return std::any_of(std::begin(prefixes), std::end(prefixes),
                       [&](std::string_view p) { return value.substr(0, p.size()) == p; });
}

// What may be written of a field: its value, or the marker when its name or value is secret.
// The one rule behind redact(), redactQuery() and every log field.
std::string_view redacted(std::string_view name, std::string_view value) {
    if (value.empty() || !(secretName(name) || secretValue(value))) return value;
    return "[redacted]";
}

// A JSON string, escaped as boost::json::serialize does (RFC 8259 §7: '"', '\\', the
// short escapes for \b \t \n \f \r, \u00xx for the other control characters, every other
// byte as is), appended to `out` without an intermediate string.
void appendQuoted(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // start of the run of bytes that need no escape
    static constexpr auto escaped = [] {
        std::array<bool, 256> e{};
        for (int c = 0; c < 0x20; ++c) e[c] = true;
        e['"'] = e['\\'] = true;
        return e;
    }();
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (!escaped[c]) continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        out += '\\';
        switch (c) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '\b':
                out += 'b';
                break;
            case '\t':
                out += 't';
                break;
            case '\n':
                out += 'n';
                break;
            case '\f':
                out += 'f';
                break;
            case '\r':
                out += 'r';
                break;
            default:
                out += "u00";
                out += hex[c >> 4];
                out += hex[c & 15];
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

void appendDigits(char* at, int value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
}

// "2026-12-01T08:54:00.123Z": the part up to the seconds is formatted once a second per thread.
void appendTimestamp(std::string& out) {
    thread_local std::time_t cachedSecond = -1;
    thread_local std::string cached;  // "YYYY-MM-DDTHH:MM:SS."
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    std::time_t t = static_cast<std::time_t>(ms.count() / 1000);
    int millis = static_cast<int>(ms.count() % 1000);
    if (millis < 0) {  // before 1970: keep the floor division of to_time_t
        millis += 1000;
        --t;
    }
    if (t != cachedSecond) {
        cached = formatUtcInstant(t);  // "...T08:54:00Z"
        cached.back() = '.';
        cachedSecond = t;
    }
    out += cached;
    char m[4] = "000";
    appendDigits(m, millis, 3);
    out.append(m, 3);
    out += 'Z';
}

void appendRedacted(std::string& out, std::string_view name, std::string_view value) {
    appendQuoted(out, redacted(name, value));
}

// A write of at most PIPE_BUF bytes to a pipe is atomic (POSIX write(2)), and so is any write to
// an O_APPEND file on Linux: lines from several threads never interleave, without a lock. A
// line longer than that to a pipe may interleave with another thread's; stdio's lock did not
// prevent that across processes either.
constexpr std::size_t atomicWrite = PIPE_BUF;

void writeAll(std::string_view text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to log to: nothing better to do
        done += static_cast<std::size_t>(n);
    }
}

// Whole lines, in writes of at most atomicWrite bytes each (a longer line alone).
void writeLines(std::string_view lines) {
    while (!lines.empty()) {
        std::size_t cut = lines.size();
        if (cut > atomicWrite) {
            cut = lines.rfind('\n', atomicWrite - 1);
            cut = cut == std::string_view::npos ? lines.find('\n') : cut;
            cut = cut == std::string_view::npos ? lines.size() : cut + 1;
        }
        writeAll(lines.substr(0, cut));
        lines.remove_prefix(cut);
    }
}

// The lines a thread that batches (a worker, see bufferLogLines) has not written yet.
struct PendingLines {
    std::string text;
    std::function<void()> scheduleFlush;  // empty: this thread writes each line at once
    bool flushScheduled = false;

    void flush() {
        flushScheduled = false;
        if (text.empty()) return;
        writeLines(text);
        text.clear();
        if (text.capacity() > 4 * batchLimit) std::string().swap(text);
    }
    ~PendingLines() { flush(); }

    static constexpr std::size_t batchLimit = 16 * 1024;
};
thread_local PendingLines pending;

void emit(LogLevel level, const std::string& line) {
    if (!pending.scheduleFlush) return writeLines(line);
    pending.text += line;
    // A warning or an error goes out at once (with what came before it, in order): those are
    // the lines someone reads after a crash.
    if (level >= LogLevel::warning || pending.text.size() >= PendingLines::batchLimit)
        return pending.flush();
    if (!pending.flushScheduled) {
        pending.flushScheduled = true;
        pending.scheduleFlush();
    }
}
}  // namespace

void bufferLogLines(std::function<void()> scheduleFlush) {
    pending.flush();
    pending.scheduleFlush = std::move(scheduleFlush);
}

void flushLogLines() {
    pending.flush();
}

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
    return std::string(redacted(name, value));
}

std::string redactQuery(std::string_view url) {
    auto q = url.find('?');
    if (q == std::string_view::npos) return std::string(url);
    std::string out;
    out.reserve(url.size());
    out.append(url.substr(0, q + 1));
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
            out += redacted(n, v);
        }
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return out;
}

void Logger::write(LogLevel level, std::string_view event,
                   std::initializer_list<LogField> fields) const {
    if (static_cast<int>(level) < minimumLevel.load(std::memory_order_relaxed)) return;
    // A buffer per thread, reused: a line costs no allocation once the buffer has grown.
    thread_local std::string line;
    line.clear();
    line += "{\"ts\":\"";
    appendTimestamp(line);
    line += "\",\"level\":\"";
    line += levelName(level);
    line += "\",\"component\":";
    appendQuoted(line, component_);
    line += ",\"event\":";
    appendQuoted(line, event);
    if (!requestId.empty()) {
        line += ",\"request_id\":";
        appendQuoted(line, requestId);
    }
    for (const auto& [name, value] : fields) {
        line += ',';
        appendQuoted(line, name);
        line += ':';
        appendRedacted(line, name, value);
    }
    line += "}\n";
    emit(level, line);
    if (line.capacity() > 64 * 1024) std::string().swap(line);  // one huge line: give it back
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
