#include "gateway/portal/portal_config.hpp"

#include <algorithm>

namespace sesame::portal {
namespace {

bool isChoiceId(const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

LocalizedText parseLabel(const core::ConfigNode& node, core::ConfigErrors& errors) {
    LocalizedText label;
    if (node.isScalar()) {  // one label for both languages
        label.fr = node.requiredString(errors);
        return label;
    }
    if (!node.isMap()) {
        errors.add(node, "is required: a map { fr: \"...\", en: \"...\" } or one text");
        return label;
    }
    node.checkKeys(errors, {"fr", "en"});
    label.fr = node["fr"].requiredString(errors);  // French first; English falls back to it
    label.en = node["en"].asString(errors);
    return label;
}

DirectoryChoice parseChoice(const core::ConfigNode& node, core::ConfigErrors& errors) {
    DirectoryChoice choice;
    if (!node.isMap()) {
        errors.add(node, "expected a map with id, label and directories");
        return choice;
    }
    node.checkKeys(errors, {"id", "label", "directories"});
    choice.id = node["id"].requiredString(errors);
    if (!choice.id.empty() && !isChoiceId(choice.id))
        errors.add(node["id"],
                   "expected lower-case letters, digits, '-' or '_' (it goes into URLs)");
    choice.label = parseLabel(node["label"], errors);
    const auto& dirs = node["directories"];
    choice.directories = dirs.asStringList(errors);
    if (!dirs.present())
        errors.add(dirs, "is required: a list of directory ids");
    else if (dirs.isSequence() && dirs.items().empty())
        errors.add(dirs, "expected at least one directory id");
    return choice;
}

}  // namespace

PortalConfig PortalConfig::parse(const core::ConfigNode& section, core::ConfigErrors& errors) {
    PortalConfig config;
    if (!section.isMap()) {
        errors.add(section, "is required: a map with default_language and choices");
        return config;
    }
    section.checkKeys(errors, {"default_language", "choices"});

    const auto& lang = section["default_language"];
    if (lang.present()) {
        std::string code = lang.asString(errors);
        if (code == "fr" || code == "en")
            config.defaultLanguage = *parseLanguage(code);
        else if (lang.isScalar())
            errors.add(lang, "expected fr or en");
    }

    const auto& choices = section["choices"];
    if (!choices.isSequence() || choices.items().empty()) {
        errors.add(choices, "is required: a list of at least one choice (id, label, directories)");
        return config;
    }
    for (const auto& item : choices.items()) {
        DirectoryChoice choice = parseChoice(item, errors);
        if (!choice.id.empty() && config.choice(choice.id)) {
            errors.add(item["id"], "duplicate choice id \"" + choice.id + "\"");
            continue;
        }
        config.choices.push_back(std::move(choice));
    }
    return config;
}

const DirectoryChoice* PortalConfig::choice(const std::string& id) const {
    for (const auto& c : choices)
        if (c.id == id) return &c;
    return nullptr;
}

}  // namespace sesame::portal
