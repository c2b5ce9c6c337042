#pragma once
// The `portal:` section of etc/sesame.yml: the default language and the entries of the
// directory choice page, in the order they are shown.
//
//   portal:
//     default_language: fr            # fr | en
//     choices:
//       - id: academie                # [a-z0-9_-], goes into /login?choice=<id>
//         label: { fr: "Personnel de l'Éducation nationale", en: "Education staff" }
//         directories: [academie]     # connector ids (the app checks they exist)
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/portal/language.hpp"

namespace sesame::portal {

struct LocalizedText {
    std::string fr;
    std::string en;
    const std::string& in(Language language) const {
        return language == Language::en && !en.empty() ? en : fr;
    }
};

struct DirectoryChoice {
    std::string id;
    LocalizedText label;
    std::vector<std::string> directories;
};

struct PortalConfig {
    Language defaultLanguage = Language::fr;
    std::vector<DirectoryChoice> choices;

    // Reports every problem to `errors` (file, line, key, what was expected).
    static PortalConfig parse(const core::ConfigNode& section, core::ConfigErrors& errors);
    const DirectoryChoice* choice(const std::string& id) const;  // null when unknown
};

}  // namespace sesame::portal
