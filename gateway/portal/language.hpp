#pragma once
// The language a page is written in: French first, English available. Chosen per request from
// what the person asked for explicitly (the switch link, then the cookie it leaves) before what
// the browser suggests (Accept-Language, RFC 9110 §12.5.4), before the configured default.
#include <optional>
#include <string_view>

#include "gateway/core/http_message.hpp"

namespace sesame::portal {

enum class Language { fr, en };

inline constexpr std::string_view languageCookieName = "lang";

std::string_view languageCode(Language language);  // "fr", "en"
Language otherLanguage(Language language);
// "fr", "FR", "fr-FR", "en-GB" -> a supported language; anything else -> none.
std::optional<Language> parseLanguage(std::string_view tag);
// The best supported language of an Accept-Language header, by q-value (q=0 excludes, "*"
// stands for `fallback`, ties go to the first listed); none when nothing supported is acceptable.
std::optional<Language> preferredLanguage(std::string_view acceptLanguage, Language fallback);
// `lang` query parameter, then `lang` cookie, then Accept-Language, then `fallback`.
// `?lang=`, then the `lang` cookie (the person's own choice), then the service's preference
// (`serviceLocales`, space-separated tags, best first: OIDC ui_locales), then Accept-Language,
// then `fallback`.
Language pickLanguage(const core::HttpRequest& request, Language fallback = Language::fr,
                      std::string_view serviceLocales = {});
// The cookie that remembers an explicit choice (a year; HttpOnly: no script reads it).
core::Cookie languageCookie(Language language);

}  // namespace sesame::portal
