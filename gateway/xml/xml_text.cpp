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
        // ASCII runs (most values are ASCII through and through) are copied whole.
        std::size_t ascii = i;
        while (ascii < text.size() && static_cast<unsigned char>(text[ascii]) < 0x80) ++ascii;
        if (ascii != i) {
            out.append(text, i, ascii - i);
            i = ascii;
            continue;
        }
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
    // Most values (names, IDs, instants, URLs) need nothing: runs are copied whole, and a value
    // without any character to change is returned as it is.
    std::string out;
    std::size_t from = 0;
    for (std::size_t at = 0; at < clean.size(); ++at) {
        const char c = clean[at];
        const bool kept = static_cast<unsigned char>(c) >= 0x20
                              ? c != '&' && c != '<' && c != '>' && c != '"' && c != '\''
                              : c == '\t' || c == '\n' || c == '\r';
        if (kept) continue;
        if (from == 0) out.reserve(clean.size() + 16);
        out.append(clean, from, at - from);
        from = at + 1;
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
            default:
                break;  // C0 controls dropped
        }
    }
    if (from == 0) return clean;
    out.append(clean, from);
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
