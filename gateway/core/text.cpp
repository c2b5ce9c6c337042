#include "gateway/core/text.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>

namespace sesame::core {

std::string escapeHtml(std::string_view text) {
    // Where each special character occurs next, found with memchr, which skips a run without
    // it (all of a SAMLResponse's 8 kB of base64) many bytes at a time; each is searched again
    // only once passed, so the text is read at most once per special character.
    static constexpr std::array<char, 5> specials{'&', '<', '>', '"', '\''};
    static constexpr std::array<std::string_view, 5> references{"&amp;", "&lt;", "&gt;", "&quot;",
                                                                "&#39;"};
    const auto nextOf = [&](char c, std::size_t from) {
        if (from >= text.size()) return text.size();  // memchr wants a pointer even for 0 bytes
        const void* found = std::memchr(text.data() + from, c, text.size() - from);
        return found ? static_cast<std::size_t>(static_cast<const char*>(found) - text.data())
                     : text.size();
    };
    std::array<std::size_t, 5> next{};
    for (std::size_t k = 0; k < specials.size(); ++k) next[k] = nextOf(specials[k], 0);
    std::string out;
    out.reserve(text.size());
    std::size_t from = 0;
    for (;;) {
        const auto k =
            static_cast<std::size_t>(std::min_element(next.begin(), next.end()) - next.begin());
        const std::size_t at = next[k];
        if (at == text.size()) break;
        out.append(text, from, at - from);
        out += references[k];
        from = at + 1;
        next[k] = nextOf(specials[k], from);
    }
    out.append(text, from);
    return out;
}

std::string urlEncode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3 / 2);
    for (unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

namespace {
int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<std::string> urlDecode(std::string_view text, bool plusIsSpace) {
    std::string out;
    out.reserve(text.size());
    std::size_t run = 0;  // start of the bytes copied as they are: most of a URL needs no decoding
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '%' && (c != '+' || !plusIsSpace)) continue;
        out.append(text.data() + run, i - run);
        if (c == '+') {
            out += ' ';
        } else {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hexValue(text[i + 1]), lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi << 4 | lo);
            i += 2;
        }
        run = i + 1;
    }
    out.append(text.data() + run, text.size() - run);
    return out;
}

std::optional<Parameters> parseForm(std::string_view text) {
    Parameters params;
    while (!text.empty()) {
        auto amp = text.find('&');
        std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto name = urlDecode(pair.substr(0, eq));
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : urlDecode(pair.substr(eq + 1));
        if (!name || !value) return std::nullopt;
        params.emplace_back(std::move(*name), std::move(*value));
    }
    return params;
}

std::string formatForm(const Parameters& params) {
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += urlEncode(k) + "=" + urlEncode(v);
    }
    return out;
}

std::optional<Utf8Sequence> utf8SequenceAt(std::string_view text, std::size_t at) {
    auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) return Utf8Sequence{1, c};
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07;
    } else {
        return std::nullopt;
    }
    if (at + n > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < n; ++k) {
        auto cc = static_cast<unsigned char>(text[at + k]);
        if ((cc & 0xC0) != 0x80) return std::nullopt;
        cp = cp << 6 | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return std::nullopt;
    return Utf8Sequence{n, cp};
}

bool isValidUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        auto sequence = utf8SequenceAt(text, i);
        if (!sequence) return false;
        i += sequence->length;
    }
    return true;
}

std::string toLower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string appendQuery(std::string url, std::string_view name, std::string_view value) {
    auto hash = url.find('#');
    std::string fragment;
    if (hash != std::string::npos) {
        fragment = url.substr(hash);
        url.resize(hash);
    }
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += urlEncode(name);
    url += '=';
    url += urlEncode(value);
    return url + fragment;
}

std::string formatUtcInstant(std::int64_t unixSeconds) {
    std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[] = "0000-00-00T00:00:00Z";
    auto put = [&](int at, int value, int width) {
        for (int i = at + width - 1; i >= at; --i, value /= 10)
            out[i] = static_cast<char>('0' + value % 10);
    };
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) year = year < 0 ? 0 : 9999;  // xsd:dateTime has 4 digits here
    put(0, year, 4);
    put(5, tm.tm_mon + 1, 2);
    put(8, tm.tm_mday, 2);
    put(11, tm.tm_hour, 2);
    put(14, tm.tm_min, 2);
    put(17, tm.tm_sec, 2);
    return std::string(out, sizeof out - 1);
}

}  // namespace sesame::core
