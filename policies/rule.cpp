// The rule tree: matching against an identity, a readable description, and parsing from the
// neutral configuration tree with an error for every wrong name.
#include <algorithm>

#include "policies/config_values.hpp"
#include "policies/policy.hpp"

namespace sesame::policies {
namespace {

bool contains(const std::vector<std::string>& values, const std::string& v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

// A held profile matches when every canonical profile it stands for is accepted: a legacy
// "National_4" (direction OR collectivité) must not pass a rule written for National_DIR alone.
bool holdsProfile(const core::Identity& identity, const std::vector<std::string>& values) {
    return std::any_of(identity.profiles.begin(), identity.profiles.end(), [&](const auto& p) {
        auto codes = canonicalProfiles(p.profile);
        if (codes.empty()) return contains(values, p.profile);
        return std::all_of(codes.begin(), codes.end(),
                           [&](const std::string& c) { return contains(values, c); });
    });
}

bool attachedTo(const core::Identity& identity, const std::vector<std::string>& values) {
    for (const auto& s : identity.structures)
        if (contains(values, s)) return true;
    for (const auto& p : identity.profiles)
        if (!p.uai.empty() && contains(values, p.uai)) return true;
    return false;
}

// ENTPersonFonctions values are composite, "structId$DIR$DIRECTION$...": the code is the second
// field (ent-identity.md §1). A bare code (FrEduFonctAdm=DIR) is compared as it is.
std::string functionCode(const std::string& value) {
    auto first = value.find('$');
    if (first == std::string::npos) return value;
    auto second = value.find('$', first + 1);
    return value.substr(first + 1,
                        second == std::string::npos ? std::string::npos : second - first - 1);
}

bool holdsFunction(const core::Identity& identity, const std::vector<std::string>& values) {
    return std::any_of(identity.functions.begin(), identity.functions.end(),
                       [&](const std::string& f) { return contains(values, functionCode(f)); });
}

const std::vector<std::string>& ruleKeys() {
    static const std::vector<std::string> keys{
        "profile",       "structure",         "directory", "function", "auth_method",
        "minimum_level", "minimum_assurance", "all_of",    "any_of",   "not"};
    return keys;
}

// What a broken rule becomes: it matches no one (the start stops anyway on the error).
Rule never() {
    return Rule{Rule::Kind::noneOf, {Rule{}}, {}, 0};
}

std::string expectedRule() {
    return "expected a rule: a map with one or more of " + joined(ruleKeys());
}

std::vector<Rule> parseRuleList(const core::ConfigNode& node, const RuleScope& scope,
                                core::ConfigErrors& errors) {
    std::vector<Rule> out;
    if (!node.isSequence() || node.items().empty()) {
        errors.add(node, "expected a non-empty list of rules");
        return out;
    }
    for (const auto& item : node.items()) out.push_back(parseRule(item, scope, errors));
    return out;
}

Rule parseKey(const std::string& key, const core::ConfigNode& value, const RuleScope& scope,
              core::ConfigErrors& errors) {
    Rule r;
    if (key == "profile") {
        r.kind = Rule::Kind::profile;
        r.values = parseProfiles(value, errors);
    } else if (key == "structure" || key == "directory" || key == "function" ||
               key == "auth_method") {
        r.kind = key == "structure"   ? Rule::Kind::structure
                 : key == "directory" ? Rule::Kind::directory
                 : key == "function"  ? Rule::Kind::function
                                      : Rule::Kind::authMethod;
        r.values = parseValues(value, errors);
    } else if (key == "minimum_level") {
        r.kind = Rule::Kind::minimumLevel;
        if (!scope.levelAllowed)
            errors.add(value,
                       "minimum_level cannot be used in habilitation rules (the level is what "
                       "they compute)");
        else
            r.rank = parseRank(value, scope.levels, "habilitation level", errors);
        r.values = {value.isScalar() ? value.scalar() : std::string{}};
    } else if (key == "minimum_assurance") {
        r.kind = Rule::Kind::minimumAssurance;
        r.rank = parseRank(value, scope.assurance, "assurance level", errors);
        r.values = {value.isScalar() ? value.scalar() : std::string{}};
    } else if (key == "all_of" || key == "any_of") {
        r.kind = key == "all_of" ? Rule::Kind::allOf : Rule::Kind::anyOf;
        r.children = parseRuleList(value, scope, errors);
    } else if (key == "not") {
        r.kind = Rule::Kind::noneOf;
        if (value.isSequence())
            r.children = parseRuleList(value, scope, errors);
        else
            r.children.push_back(parseRule(value, scope, errors));
    }
    return r;
}

}  // namespace

std::string joined(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
    return out;
}

std::vector<std::string> parseValues(const core::ConfigNode& node, core::ConfigErrors& errors) {
    auto values = node.asStringList(errors);
    if (values.empty() && (node.isSequence() || !node.present()))
        errors.add(node, "expected at least one value");
    return values;
}

std::vector<std::string> parseProfiles(const core::ConfigNode& node, core::ConfigErrors& errors) {
    std::vector<std::string> out;
    auto values = parseValues(node, errors);
    for (std::size_t i = 0; i < values.size(); ++i) {
        auto codes = canonicalProfiles(values[i]);
        if (codes.empty()) {
            const auto& at = node.isSequence() ? node.items()[i] : node;
            errors.add(at, "unknown profile code '" + values[i] +
                               "' (expected National_ELV, _TUT, _ENS, _DIR, _EVS, _ETA, _ACA, "
                               "_DOC, _COL, a legacy National_1 to National_7, a GAR code such "
                               "as National_ens, an Edifice Student, Relative, Teacher or "
                               "Personnel, or a local code Local_<NAME>)");
        }
        for (auto& c : codes)
            if (!contains(out, c)) out.push_back(std::move(c));
    }
    return out;
}

int parseRank(const core::ConfigNode& node, const Ladder& ladder, const std::string& what,
              core::ConfigErrors& errors) {
    auto name = node.asString(errors);
    if (!node.isScalar()) return 0;
    int rank = ladder.rank(name);
    if (rank < 0)
        errors.add(node, "unknown " + what + " '" + name +
                             "' (expected one of: " + joined(ladder.levels()) + ")");
    return std::max(rank, 0);
}

bool matches(const Rule& rule, const core::Identity& identity, int assuranceRank) {
    return matches(rule, identity, identity.habilitationRank, assuranceRank);
}

bool matches(const Rule& rule, const core::Identity& identity, int levelRank, int assuranceRank) {
    auto child = [&](const Rule& c) { return matches(c, identity, levelRank, assuranceRank); };
    switch (rule.kind) {
        case Rule::Kind::always:
            return true;
        case Rule::Kind::allOf:
            return std::all_of(rule.children.begin(), rule.children.end(), child);
        case Rule::Kind::anyOf:
            return std::any_of(rule.children.begin(), rule.children.end(), child);
        case Rule::Kind::noneOf:
            return std::none_of(rule.children.begin(), rule.children.end(), child);
        case Rule::Kind::profile:
            return holdsProfile(identity, rule.values);
        case Rule::Kind::structure:
            return attachedTo(identity, rule.values);
        case Rule::Kind::directory:
            return contains(rule.values, identity.directory);
        case Rule::Kind::function:
            return holdsFunction(identity, rule.values);
        case Rule::Kind::authMethod:
            return contains(rule.values, identity.authMethod);
        case Rule::Kind::minimumLevel:
            return levelRank >= rule.rank;
        case Rule::Kind::minimumAssurance:
            return assuranceRank >= rule.rank;
    }
    return false;
}

std::string describe(const Rule& rule) {
    auto children = [&](const char* separator) {
        std::string out;
        for (const auto& c : rule.children) {
            if (!out.empty()) out += separator;
            out += '(';
            out += describe(c);
            out += ')';
        }
        return out;
    };
    auto first = [&] { return rule.values.empty() ? std::to_string(rule.rank) : rule.values[0]; };
    auto in = [&](const char* what) {
        return std::string(what) + " in [" + joined(rule.values) + "]";
    };
    switch (rule.kind) {
        case Rule::Kind::always:
            return "anyone";
        case Rule::Kind::allOf:
            return children(" and ");
        case Rule::Kind::anyOf:
            return children(" or ");
        case Rule::Kind::noneOf:
            return "not " + children(" or ");
        case Rule::Kind::profile:
            return in("profile");
        case Rule::Kind::structure:
            return in("structure");
        case Rule::Kind::directory:
            return in("directory");
        case Rule::Kind::function:
            return in("function");
        case Rule::Kind::authMethod:
            return in("auth_method");
        case Rule::Kind::minimumLevel:
            return "level >= " + first();
        case Rule::Kind::minimumAssurance:
            return "assurance >= " + first();
    }
    return {};
}

Rule parseRule(const core::ConfigNode& node, const RuleScope& scope, core::ConfigErrors& errors) {
    if (!node.isMap() || node.entries().empty()) {
        errors.add(node, expectedRule());
        return never();
    }
    node.checkKeys(errors, ruleKeys());
    Rule all{Rule::Kind::allOf, {}, {}, 0};
    for (const auto& [key, value] : node.entries())
        if (std::find(ruleKeys().begin(), ruleKeys().end(), key) != ruleKeys().end())
            all.children.push_back(parseKey(key, value, scope, errors));
    if (all.children.empty()) return never();  // only unknown keys: reported above
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
}

}  // namespace sesame::policies
