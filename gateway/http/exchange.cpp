#include "gateway/http/exchange.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/url/parse.hpp>
#include <cstdio>
#include <ctime>

#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/http/error.hpp"

namespace sesame::http {
namespace bhttp = boost::beast::http;
namespace {

const core::Logger& log() {
    static const core::Logger logger("http");
    return logger;
}

std::string joinedValues(const BeastRequest& request, std::string_view name) {
    std::string out;
    auto [first, last] = request.equal_range(name);
    for (auto it = first; it != last; ++it) {
        if (!out.empty()) out += ',';
        out += it->value();
    }
    return out;
}

bool isFormBody(const BeastRequest& request) {
    std::string_view type = request[bhttp::field::content_type];
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    return boost::beast::iequals(type, "application/x-www-form-urlencoded");
}

// Query parameters decoded with '+' as a space (HTML 4.01 §17.13.4.1), by the decoder of form
// bodies; Boost.URL has already refused bad percent-escapes while parsing the target (RFC 3986
// §2.1), so decoding cannot fail here.
core::Parameters decodeQuery(const boost::urls::url_view& url) {
    if (!url.has_query()) return {};
    auto params = core::parseForm(url.encoded_query());
    return params ? std::move(*params) : core::Parameters{};
}

bool hasControl(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

bool isToken(std::string_view s) {
    // RFC 9110 §5.6.2 tchar.
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        // ASCII only, whatever the locale (std::isalnum would follow it, and costs a call).
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               extra.find(static_cast<char>(c)) != std::string_view::npos;
    });
}

bool hasHeader(const core::Parameters& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return boost::beast::iequals(h.first, name); });
}

bool isHtml(const core::Parameters& headers) {
    auto it = std::find_if(headers.begin(), headers.end(), [](const auto& h) {
        return boost::beast::iequals(h.first, "Content-Type");
    });
    if (it == headers.end()) return false;
    std::string_view type = it->second;
    return type.size() >= 9 && boost::beast::iequals(type.substr(0, 9), "text/html");
}

// Nothing to load, nothing may frame it: for answers that are not pages.
constexpr std::string_view apiCsp = "default-src 'none'; frame-ancestors 'none'";

// RFC 9110 §6.6.1: an origin server with a clock sends Date. Formatted once a second per thread.
const std::string& httpDate() {
    thread_local std::time_t cachedSecond = 0;
    thread_local std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cachedSecond) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        // By hand, not strftime: %a and %b follow the locale, HTTP wants English names.
        static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                      tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                      tm.tm_sec);
        cached = buf;
        cachedSecond = now;
    }
    return cached;
}

}  // namespace

Result<core::HttpRequest> decodeRequest(const BeastRequest& in, const Peer& peer,
                                        const TrustedProxies& proxies) {
    core::HttpRequest out;
    out.method = std::string(in.method_string());
    out.rawTarget = std::string(in.target());
    auto target = boost::urls::parse_origin_form(in.target());
    if (!target) return Errc::malformed_target;
    out.path = target->path();
    // A NUL byte in a decoded path is never a real resource, and C APIs downstream would cut it.
    if (out.path.find('\0') != std::string::npos) return Errc::malformed_encoding;
    out.query = decodeQuery(*target);

    for (const auto& field : in)
        out.headers.emplace_back(core::toLower(field.name_string()), std::string(field.value()));

    std::string_view host = in[bhttp::field::host];
    if (host.empty() ? in.version() >= 11 : !isPlausibleHost(host)) return Errc::missing_host;
    out.host = std::string(host);
    out.scheme = peer.tls ? "https" : "http";
    if (!proxies.trusts(peer.address)) {
        // The usual case (no proxy, or a client that is not one): X-Forwarded-* is ignored.
        out.clientAddress =
            peer.text.empty() ? normalizeAddress(peer.address).to_string() : peer.text;
    } else {
        auto origin = proxies.resolve(peer.address, joinedValues(in, "x-forwarded-for"),
                                      joinedValues(in, "x-forwarded-proto"),
                                      joinedValues(in, "x-forwarded-host"));
        out.clientAddress = std::move(origin.clientAddress);
        if (origin.scheme) out.scheme = *origin.scheme;
        if (origin.host) out.host = *origin.host;
    }

    out.body = in.body();
    if (isFormBody(in)) {
        auto form = core::parseForm(out.body);
        if (!form) return Errc::malformed_form;
        out.form = std::move(*form);
    }
    return out;
}

ResponseEncoder::ResponseEncoder(const ServerConfig& config) : hsts_(config.publicHttps()) {
    csp_ = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'";
    if (std::string origin = config.publicOrigin(); !origin.empty())
        csp_.append(" ").append(origin);
    csp_ += "; frame-ancestors 'none'; base-uri 'none'";
}

namespace {

// One header field line. The caller has checked the name and value (no CR, LF or other control).
void appendField(std::string& head, std::string_view name, std::string_view value) {
    head.append(name);
    head.append(": ", 2);
    head.append(value);
    head.append("\r\n", 2);
}

void appendStatusLine(std::string& head, unsigned version, int status) {
    head.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    char code[4] = {static_cast<char>('0' + status / 100),
                    static_cast<char>('0' + status / 10 % 10), static_cast<char>('0' + status % 10),
                    ' '};
    head.append(code, sizeof code);
    std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    if (!reason.starts_with('<')) head.append(reason);  // "<unknown-status>": RFC 9112 allows none
    head.append("\r\n", 2);
}

}  // namespace

WireResponse ResponseEncoder::encode(core::HttpResponse response,
                                     const ReplyContext& context) const {
    // A handler answers with a final status: a 1xx (RFC 9110 §15.2) written here would be taken
    // as informational and leave the client waiting for an answer that never comes.
    if (response.status < 200 || response.status > 599) {
        log().error("handler_bad_status", {{"status", std::to_string(response.status)}});
        response = refusal(500);
    }
    const auto& headers = response.headers;
    WireResponse out;
    out.status = response.status;
    std::string& head = out.head;
    head.reserve(768);
    appendStatusLine(head, context.version, response.status);
    // Framing, the date and the request id are ours; on pages that carry credentials, tickets
    // or CSRF tokens the cache headers are ours too (RFC 9111 §5.2.2.5; Pragma for HTTP/1.0
    // caches, RFC 9111 §5.4).
    auto ours = [&](std::string_view name) {
        return boost::beast::iequals(name, "Connection") ||
               boost::beast::iequals(name, "Content-Length") ||
               boost::beast::iequals(name, "Transfer-Encoding") ||
               boost::beast::iequals(name, "Date") || boost::beast::iequals(name, "X-Request-Id") ||
               (response.authenticationPage && (boost::beast::iequals(name, "Cache-Control") ||
                                                boost::beast::iequals(name, "Pragma")));
    };
    for (const auto& [name, value] : headers) {
        if (ours(name)) continue;
        // A CR or LF from a handler would split the response (RFC 9110 §5.5).
        if (!isToken(name) || hasControl(value)) {
            log().error("handler_bad_header", {{"name", isToken(name) ? name : "(invalid)"}});
            continue;
        }
        appendField(head, name, value);
    }
    // The security headers, after the handler's; the handler's own values win (CAS
    // method=POST needs another form-action, for instance). A page a browser renders gets the
    // full set; a machine's answer (CAS XML or JSON, text, redirects) the set OWASP gives for
    // APIs: no framing, no sniffing, no storing: X-Frame-Options and Referrer-Policy concern
    // documents only, and every CAS client would parse them on every validation.
    bool page = isHtml(headers);
    auto setDefault = [&](std::string_view name, std::string_view value) {
        if (!hasHeader(headers, name)) appendField(head, name, value);
    };
    if (hsts_) setDefault("Strict-Transport-Security", "max-age=31536000");
    setDefault("Content-Security-Policy", page ? csp_ : apiCsp);
    setDefault("X-Content-Type-Options", "nosniff");
    if (page) {
        setDefault("Referrer-Policy", "no-referrer");
        setDefault("X-Frame-Options", "DENY");  // for browsers without frame-ancestors
    }
    if (response.authenticationPage) {
        // Pragma too on machine answers: RFC 6749 §5.1 asks it of every token response.
        appendField(head, "Cache-Control", "no-store");
        appendField(head, "Pragma", "no-cache");
    }
    for (const auto& cookie : response.cookies) {
        std::string line = core::formatSetCookie(cookie);
        if (hasControl(line)) {
            log().error("handler_bad_cookie", {{"name", cookie.name}});
            continue;
        }
        appendField(head, "Set-Cookie", line);
    }
    appendField(head, "X-Request-Id", context.requestId);  // ours: base64url characters
    appendField(head, "Date", httpDate());
    // RFC 9112 §9.3: persistence is the default in HTTP/1.1 and must be asked for in 1.0.
    if (context.version >= 11 && !context.keepAlive) appendField(head, "Connection", "close");
    if (context.version < 11 && context.keepAlive) appendField(head, "Connection", "keep-alive");

    // RFC 9110 §6.4.1 and §8.6: 204 and 304 carry no content and no Content-Length; HEAD
    // gets the length the GET would have had.
    bool noContent = response.status == 204 || response.status == 304;
    if (!noContent) appendField(head, "Content-Length", std::to_string(response.body.size()));
    head.append("\r\n", 2);
    if (!noContent && !context.head) out.body = std::move(response.body);
    return out;
}

core::HttpResponse refusal(int status) {
    std::string reason(bhttp::obsolete_reason(static_cast<bhttp::status>(status)));
    return core::HttpResponse::text(status, reason + "\n");
}

}  // namespace sesame::http
