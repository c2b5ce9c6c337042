#pragma once
// Policies: pure and synchronous, no I/O. Compiled once from configuration (etc/sesame.yml
// "habilitation", etc/services/*.yml), then asked per request:
//   - HabilitationRules::compute(identity): the person's habilitation level;
//   - ServiceRegistry::find(protocol, url): which registered service a URL belongs to;
//   - Policy::decide(identity, service): permit (with the released attributes), deny (with a
//     reason a person can read) or step-up (another directory / a stronger login is needed).
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/identity.hpp"

namespace sesame::policies {

// A rule is a small tree (all-of / any-of / not) over what Sesame knows of a person
// (envoy's jwt_authn verifier composition is the model).
struct Rule {
    enum class Kind {
        always,       // matches everyone
        allOf,        // every child matches
        anyOf,        // at least one child matches
        noneOf,       // no child matches ("not")
        profile,      // holds one of `values` (SDET codes, any family: National_ENS, National_3...)
        structure,    // attached to one of `values` (UAIs)
        directory,    // authenticated by one of `values` (connector ids)
        function,     // holds one of `values` (ENTPersonFonctions codes, e.g. DIR)
        authMethod,   // authenticated by one of `values` ("password", "otp"...)
        minimumLevel, // habilitation rank >= rank
        minimumAssurance,  // assurance rank >= rank
    };
    Kind kind = Kind::always;
    std::vector<Rule> children;
    std::vector<std::string> values;
    int rank = 0;
};
bool matches(const Rule& rule, const core::Identity& identity, int assuranceRank);

// Ordered names, lowest first. Habilitation default: eleve < famille < partenaire <
// agent_collectivite < enseignant < direction < administration (architecture.md).
class Ladder {
public:
    Ladder() = default;
    explicit Ladder(std::vector<std::string> levels) : levels_(std::move(levels)) {}
    int rank(const std::string& level) const;  // -1 when unknown
    const std::string& name(int rank) const;
    const std::vector<std::string>& levels() const { return levels_; }

private:
    std::vector<std::string> levels_;
};

// Translation between the families of profile codes (ent-identity.md §1):
// National_ELV <-> National_elv (GAR) <-> National_1 (SDET v3) <-> Student (Edifice).
std::string sdetCode(const std::string& anyFamilyCode);  // canonical National_XXX, or input
std::string sdet3Category(const std::string& sdetCode);  // National_1..7, or empty
std::string garCode(const std::string& sdetCode);         // National_ens, or empty

struct HabilitationRule {
    std::string level;
    int rank = -1;
    Rule when;
};

class HabilitationRules {
public:
    // Section "habilitation": { levels: [...], rules: [{level: x, when: <rule>}...] }.
    static HabilitationRules parse(const core::ConfigNode& section, core::ConfigErrors& errors);
    // The highest level whose rule matches; the lowest level when none does.
    std::pair<std::string, int> compute(const core::Identity& identity) const;
    const Ladder& ladder() const { return ladder_; }
    const Ladder& assurance() const { return assurance_; }

private:
    Ladder ladder_;
    Ladder assurance_;  // e.g. low < eidas1 < eidas2 < eidas3
    std::vector<HabilitationRule> rules_;
};

// One released attribute: `name` as the service expects it, from `source`, one of:
// login, subject, displayName, givenName, familyName, email, profile (active SDET code),
// profiles (all), profile.sdet3, profile.gar, uai (active), structures, functions, classes,
// children, habilitation, directory, assurance, authMethod, or attr:<internal attribute name>.
struct ReleasedAttribute {
    std::string name;
    std::string source;
};

struct Service {
    std::string id;          // file-level id, unique
    std::string name;        // shown to people on the deny page
    std::string protocol;    // "cas"
    std::string urlPattern;  // anchored ECMAScript regex, matched against the whole URL
    std::shared_ptr<const std::regex> compiledPattern;
    std::vector<std::string> allowedProfiles;     // empty: any
    std::vector<std::string> allowedStructures;   // empty: any
    std::vector<std::string> allowedDirectories;  // empty: any; else the portal offers only these
    std::string minimumLevel;                     // empty: none
    int minimumLevelRank = -1;
    std::string minimumAssurance;  // empty: none
    int minimumAssuranceRank = -1;
    std::string userAttribute = "login";  // source of the CAS user / subject
    std::vector<ReleasedAttribute> release;
    std::string logoutUrl;             // back-channel logout target; empty: the service URL
    bool singleLogout = true;
    std::string proxyCallbackPattern;  // regex of allowed pgtUrl; empty: proxying refused
    std::shared_ptr<const std::regex> compiledProxyCallback;
    int evaluationOrder = 0;  // lower first when several patterns match
};

class ServiceRegistry {
public:
    // Each node is one YAML file of etc/services/ (a map with a "services" list, or one service).
    static ServiceRegistry parse(const std::vector<core::ConfigNode>& files, const Ladder& levels,
                                 const Ladder& assurance, core::ConfigErrors& errors);
    const Service* find(const std::string& protocol, const std::string& url) const;
    const Service* byId(const std::string& id) const;
    const std::vector<Service>& all() const { return services_; }

private:
    std::vector<Service> services_;
};

struct DenyReason {
    enum class Kind { none, profile, structure, directory, level, assurance };
    Kind kind = Kind::none;
    std::vector<std::string> expected;  // the profiles / UAIs / level that would be accepted
    std::string actual;                 // what the person has (active profile, level...)
};

struct Decision {
    enum class Outcome { permit, deny, stepUp };
    Outcome outcome = Outcome::deny;
    DenyReason reason;                          // for deny and stepUp
    core::Release release;                      // for permit
    std::vector<std::string> stepUpDirectories; // for stepUp: directories that would do
};

class Policy {
public:
    Policy(HabilitationRules rules) : rules_(std::move(rules)) {}
    Decision decide(const core::Identity& identity, const Service& service) const;
    core::Release release(const core::Identity& identity, const Service& service) const;
    const HabilitationRules& habilitation() const { return rules_; }

private:
    HabilitationRules rules_;
};

}  // namespace sesame::policies
