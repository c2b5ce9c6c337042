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

// Seconds east of UTC of the zone at the end of a dateTime ("Z", "+01:00", or "" under anyOffset).
std::optional<int> zoneOffset(std::string_view zone, Zone allowed) {
    if (zone == "Z") return 0;
    if (allowed == Zone::utcOnly) return std::nullopt;
    if (zone.empty()) return 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':')
        return std::nullopt;
    int hours = digits(zone, 1, 2), minutes = digits(zone, 4, 2);
    if (hours < 0 || hours > 14 || minutes < 0 || minutes > 59) return std::nullopt;
    return (zone[0] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
}

}  // namespace

std::string_view trimXmlSpace(std::string_view text) {
    constexpr std::string_view space = " \t\r\n";
    auto first = text.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::optional<std::int64_t> parseDateTime(std::string_view text, Zone zone) {
    text = trimXmlSpace(text);
    // YYYY-MM-DDThh:mm:ss at fixed positions.
    if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    int year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
    int hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
    if (year < 1 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 59)
        return std::nullopt;
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        std::size_t end = at + 1;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        if (end == at + 1 || end - at - 1 > 9) return std::nullopt;
        at = end;
    }
    auto offset = zoneOffset(text.substr(at), zone);
    if (!offset) return std::nullopt;
    using namespace std::chrono;
    year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    return sys_days{date}.time_since_epoch() / seconds{1} + hour * 3600 + minute * 60 + second -
           *offset;
}

std::optional<std::int64_t> parseDuration(std::string_view text) {
    text = trimXmlSpace(text);
    if (text.size() < 3 || text[0] != 'P') return std::nullopt;
    std::int64_t total = 0;
    bool inTime = false, any = false;
    for (std::size_t at = 1; at < text.size();) {
        if (text[at] == 'T') {
            if (inTime) return std::nullopt;
            inTime = true;
            ++at;
            continue;
        }
        std::size_t start = at;
        while (at < text.size() && ((text[at] >= '0' && text[at] <= '9') || text[at] == '.')) ++at;
        if (at == start || at == text.size()) return std::nullopt;
        std::string_view number = text.substr(start, at - start);
        bool fraction = number.find('.') != std::string_view::npos;
        std::string_view whole = number.substr(0, number.find('.'));
        std::int64_t value = 0;
        auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), value);
        if (whole.empty() || error != std::errc{} || end != whole.data() + whole.size() ||
            value > 1'000'000'000 || (fraction && text[at] != 'S'))
            return std::nullopt;
        std::int64_t unit = 0;
        switch (text[at]) {
            case 'Y':
                unit = inTime ? 0 : 365 * 86400;
                break;
            case 'M':
                unit = inTime ? 60 : 30 * 86400;
                break;
            case 'D':
                unit = inTime ? 0 : 86400;
                break;
            case 'H':
                unit = inTime ? 3600 : 0;
                break;
            case 'S':
                unit = inTime ? 1 : 0;
                break;
            default:
                unit = 0;
        }
        if (unit == 0) return std::nullopt;
        total += value * unit;
        any = true;
        ++at;
    }
    if (!any || text.back() == 'T') return std::nullopt;
    return total;
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
