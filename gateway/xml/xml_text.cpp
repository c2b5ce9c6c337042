#include "gateway/xml/xml_text.hpp"

#include <array>
#include <cstdint>

#include "gateway/core/text.hpp"

namespace sesame::xml {
namespace {
constexpr std::string_view replacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at text[i] that XML allows (XML 1.0 §2.2 Char: not U+FFFE
// or U+FFFF either), 0 when there is none.
std::size_t sequenceLength(std::string_view text, std::size_t i) {
    auto sequence = core::utf8SequenceAt(text, i);
    if (!sequence || sequence->codePoint == 0xFFFE || sequence->codePoint == 0xFFFF) return 0;
    return sequence->length;
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
