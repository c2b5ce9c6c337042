#pragma once
// Every sentence the portal shows, in French and English, in one table (catalogue.cpp), keyed
// ("login.failed"). Placeholders such as {minutes}, {service}, {profiles}, {level} are filled by
// `text`, which returns HTML: the template and every substituted value are escaped, so a value
// that came from a request or a directory can never become markup.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/portal/language.hpp"

namespace sesame::portal {

using Substitutions = std::vector<std::pair<std::string, std::string>>;  // name -> plain value

// The template as written in the catalogue (plain text); the key itself when unknown, so that a
// missing entry shows up on the page instead of an empty sentence.
std::string_view message(Language language, std::string_view key);
bool hasMessage(std::string_view key);  // in both languages
std::vector<std::string_view> messageKeys();
// The message with {name} placeholders filled, HTML-escaped, ready to write into a page.
std::string text(Language language, std::string_view key, const Substitutions& values = {});

// Readable names, plain text (escape before writing). SDET profile codes (any case, so the GAR
// form National_ens works too) and the default habilitation ladder; unknown codes come back as is.
std::string profileName(Language language, std::string_view sdetCode);
std::string levelName(Language language, std::string_view level);

}  // namespace sesame::portal
