#include "gateway/portal/language.hpp"

#include <cctype>
#include <charconv>
#include <string>

namespace sesame::portal {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// "q=0.8" -> 800; a malformed weight makes the whole range unusable (-1), as RFC 9110 §12.4.2
// allows at most three decimals.
int parseWeight(std::string_view params) {
    int weight = 1000;
    while (!params.empty()) {
        auto semi = params.find(';');
        std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() < 2 || std::tolower(static_cast<unsigned char>(param[0])) != 'q' ||
            param[1] != '=')
            continue;
        std::string_view value = param.substr(2);
        if (value.empty() || (value[0] != '0' && value[0] != '1')) return -1;
        int whole = value[0] - '0';
        int millis = 0, digits = 0;
        if (value.size() > 1) {
            if (value[1] != '.' || value.size() > 5) return -1;
            for (char c : value.substr(2)) {
                if (c < '0' || c > '9') return -1;
                millis = millis * 10 + (c - '0');
                ++digits;
            }
        }
        while (digits++ < 3) millis *= 10;
        weight = whole * 1000 + millis;
        if (weight > 1000) return -1;
    }
    return weight;
}

}  // namespace

std::string_view languageCode(Language language) {
    return language == Language::en ? "en" : "fr";
}

Language otherLanguage(Language language) {
    return language == Language::en ? Language::fr : Language::en;
}

std::optional<Language> parseLanguage(std::string_view tag) {
    tag = trim(tag);
    std::string_view primary = tag.substr(0, tag.find_first_of("-_"));
    if (equalsIgnoreCase(primary, "fr")) return Language::fr;
    if (equalsIgnoreCase(primary, "en")) return Language::en;
    return std::nullopt;
}

std::optional<Language> preferredLanguage(std::string_view header, Language fallback) {
    std::optional<Language> best;
    int bestWeight = 0;
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view range = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        auto semi = range.find(';');
        std::string_view tag = trim(range.substr(0, semi));
        int weight = semi == std::string_view::npos ? 1000 : parseWeight(range.substr(semi + 1));
        std::optional<Language> language =
            tag == "*" ? std::optional(fallback) : parseLanguage(tag);
        if (!language || weight <= bestWeight) continue;  // q=0: "not acceptable"
        best = language;
        bestWeight = weight;
    }
    return best;
}

Language pickLanguage(const core::HttpRequest& request, Language fallback,
                      std::string_view serviceLocales) {
    if (auto lang = request.param("lang"))
        if (auto language = parseLanguage(*lang)) return *language;
    if (auto lang = request.cookie(languageCookieName))
        if (auto language = parseLanguage(*lang)) return *language;
    for (std::size_t at = 0; at < serviceLocales.size();) {
        auto end = std::min(serviceLocales.find(' ', at), serviceLocales.size());
        if (auto language = parseLanguage(serviceLocales.substr(at, end - at))) return *language;
        at = end + 1;
    }
    if (auto header = request.header("accept-language"))
        if (auto language = preferredLanguage(*header, fallback)) return *language;
    return fallback;
}

core::Cookie languageCookie(Language language) {
    core::Cookie cookie;
    cookie.name = std::string(languageCookieName);
    cookie.value = std::string(languageCode(language));
    cookie.maxAge = std::chrono::seconds(365 * 24 * 3600);
    return cookie;
}

}  // namespace sesame::portal
