// The habilitation ladder and the rules that place a person on it (architecture.md, "Profile,
// habilitation, assurance"; the rules are documented in docs/habilitation.md).
#include <algorithm>

#include "policies/config_values.hpp"
#include "policies/policy.hpp"

namespace sesame::policies {
namespace {

Rule valuesRule(Rule::Kind kind, std::vector<std::string> values) {
    Rule r;
    r.kind = kind;
    r.values = std::move(values);
    return r;
}

Ladder parseLadder(const core::ConfigNode& node, core::ConfigErrors& errors) {
    std::vector<std::string> names;
    if (!node.isSequence() || node.items().empty()) {
        errors.add(node, "expected a non-empty list of level names, lowest first");
        return {};
    }
    for (const auto& item : node.items()) {
        auto name = item.asString(errors);
        if (!item.isScalar()) continue;
        if (name.empty())
            errors.add(item, "expected a level name");
        else if (std::find(names.begin(), names.end(), name) != names.end())
            errors.add(item, "level '" + name + "' is listed twice");
        else
            names.push_back(std::move(name));
    }
    return Ladder(std::move(names));
}

HabilitationRule parseHabilitationRule(const core::ConfigNode& node, const Ladder& ladder,
                                       const Ladder& assurance, core::ConfigErrors& errors) {
    HabilitationRule out;
    if (!node.isMap()) {
        errors.add(node, "expected a map { level: <level>, when: <rule> }");
        return out;
    }
    node.checkKeys(errors, {"level", "when"});
    out.level = node["level"].requiredString(errors);
    out.rank = ladder.rank(out.level);
    if (!out.level.empty() && out.rank < 0)
        errors.add(node["level"], "unknown habilitation level '" + out.level +
                                      "' (expected one of: " + joined(ladder.levels()) + ")");
    out.when = parseRule(node["when"], RuleScope{ladder, assurance, false}, errors);
    return out;
}

}  // namespace

HabilitationRules HabilitationRules::defaults() {
    HabilitationRules h;
    h.ladder_ = defaultHabilitationLadder();
    h.assurance_ = defaultAssuranceLadder();
    auto add = [&](const std::string& level, Rule when) {
        h.rules_.push_back({level, h.ladder_.rank(level), std::move(when)});
    };
    using K = Rule::Kind;
    add("eleve", valuesRule(K::profile, {"National_ELV"}));
    add("famille", valuesRule(K::profile, {"National_TUT"}));
    add("partenaire", valuesRule(K::directory, {"partenaires"}));
    add("agent_collectivite", valuesRule(K::profile, {"National_COL"}));
    add("enseignant", valuesRule(K::profile, {"National_ENS", "National_DOC", "National_EVS"}));
    Rule direction;
    direction.kind = K::anyOf;
    direction.children = {valuesRule(K::profile, {"National_DIR", "National_ACA"}),
                          valuesRule(K::function, {"DIR"})};
    add("direction", std::move(direction));
    return h;
}

HabilitationRules HabilitationRules::parse(const core::ConfigNode& section,
                                           core::ConfigErrors& errors) {
    HabilitationRules h = defaults();
    if (!section.present()) return h;
    if (!section.isMap()) {
        errors.add(section, "expected a map with levels, assurance_levels and rules");
        return h;
    }
    section.checkKeys(errors, {"levels", "assurance_levels", "rules"});
    const auto& levels = section["levels"];
    if (levels.present()) h.ladder_ = parseLadder(levels, errors);
    if (section["assurance_levels"].present())
        h.assurance_ = parseLadder(section["assurance_levels"], errors);

    const auto& rules = section["rules"];
    if (!rules.present()) {
        // The default rules name the default levels: a custom ladder needs its own rules.
        if (h.ladder_.levels() != defaultHabilitationLadder().levels())
            errors.add(rules, "is required when levels are not the default ones");
        return h;
    }
    h.rules_.clear();
    if (!rules.isSequence()) {
        errors.add(rules, "expected a list of { level: <level>, when: <rule> }");
        return h;
    }
    for (const auto& item : rules.items()) {
        auto rule = parseHabilitationRule(item, h.ladder_, h.assurance_, errors);
        if (rule.rank >= 0) h.rules_.push_back(std::move(rule));
    }
    return h;
}

int HabilitationRules::assuranceRank(const core::Identity& identity) const {
    return assurance_.rank(identity.assurance);
}

std::pair<std::string, int> HabilitationRules::compute(const core::Identity& identity) const {
    int best = 0;
    const int assurance = assuranceRank(identity);
    for (const auto& rule : rules_)
        if (rule.rank > best && matches(rule.when, identity, -1, assurance)) best = rule.rank;
    return {ladder_.name(best), best};
}

}  // namespace sesame::policies
