#include "gateway/xml/saml_value.hpp"

#include <charconv>
#include <chrono>

namespace sesame::xml::saml {
namespace {

// `width` decimal digits at text[at], or -1.
int digits(std::string_view text, std::size_t at, std::size_t width) {
    if (at + width > text.size()) return -1;
    int value = 0;
    for (std::size_t i = at; i < at + width; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

}  // namespace

std::string_view trimXmlSpace(std::string_view text) {
    constexpr std::string_view space = " \t\r\n";
    auto first = text.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::optional<std::int64_t> parseDateTime(std::string_view text) {
    text = trimXmlSpace(text);
    // YYYY-MM-DDThh:mm:ss at fixed positions.
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
    int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
    if (year < 1 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 59)
        return std::nullopt;
    std::size_t at = 19;
    if (text[at] == '.') {
        std::size_t end = at + 1;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        if (end == at + 1 || end - at - 1 > 9) return std::nullopt;
        at = end;
    }
    if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
    using namespace std::chrono;
    year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    return sys_days{date}.time_since_epoch() / seconds{1} + hour * 3600 + minute * 60 + second;
}

std::optional<bool> parseBoolean(std::string_view text) {
    text = trimXmlSpace(text);
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    return std::nullopt;
}

std::optional<std::uint16_t> parseUnsignedShort(std::string_view text) {
    text = trimXmlSpace(text);
    std::uint16_t value = 0;
    // from_chars refuses signs and spaces, and reports a value out of range.
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

}  // namespace sesame::xml::saml
