#include "gateway/xml/xml_text.hpp"

#include <array>
#include <cstdint>

namespace sesame::xml {
namespace {
constexpr std::string_view replacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at text[i], 0 when invalid (RFC 3629 §4).
std::size_t sequenceLength(std::string_view text, std::size_t i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) return 1;
    std::size_t n;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > text.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}
}  // namespace

std::string validUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = sequenceLength(text, i);
        if (n == 0) {
            out += replacement;
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string escape(std::string_view text) {
    std::string clean = validUtf8(text);
    std::string out;
    out.reserve(clean.size() + 16);
    for (char c : clean) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            case '\t':
            case '\n':
            case '\r':
                out += c;
                break;
            default:
                if (static_cast<unsigned char>(c) >= 0x20) out += c;  // C0 controls dropped
        }
    }
    return out;
}

bool isNcName(std::string_view name) {
    // The ASCII subset of NCName (XML Namespaces §3), as a table: attribute names are checked on
    // every CAS reply.
    static constexpr auto nameByte = [] {
        std::array<unsigned char, 256> kind{};  // 0: no, 1: inside a name, 2: may also start it
        for (int c = 'A'; c <= 'Z'; ++c) kind[c] = kind[c + 'a' - 'A'] = 2;
        kind['_'] = 2;
        for (int c = '0'; c <= '9'; ++c) kind[c] = 1;
        kind['-'] = kind['.'] = 1;
        return kind;
    }();
    if (name.empty() || nameByte[static_cast<unsigned char>(name[0])] != 2) return false;
    for (char c : name)
        if (nameByte[static_cast<unsigned char>(c)] == 0) return false;
    // Names starting with "xml" (any case) are reserved (XML 1.0 §2.3).
    if (name.size() >= 3 && (name[0] | 0x20) == 'x' && (name[1] | 0x20) == 'm' &&
        (name[2] | 0x20) == 'l')
        return false;
    return true;
}

}  // namespace sesame::xml
