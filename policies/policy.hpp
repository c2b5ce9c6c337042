#pragma once
// Policies: pure and synchronous, no I/O. Compiled once from configuration (etc/sesame.yml
// "habilitation", etc/services/*.yml), then asked per request:
//   - HabilitationRules::compute(identity): the person's habilitation level;
//   - ServiceRegistry::find(protocol, url): which registered service a URL belongs to;
//   - Policy::decide(identity, service): permit (with the released attributes), deny (with a
//     reason a person can read) or step-up (another directory / a stronger login is needed).
// The rules for academies and ENT vendors are written down in docs/habilitation.md.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/identity.hpp"

namespace re2 {
class RE2;  // service URL patterns; only service_registry.cpp sees RE2 itself
}

namespace sesame::policies {

// ---- Profile codes ------------------------------------------------------------------------
// Translation between the families of profile codes (ent-identity.md §1):
// National_ELV <-> National_elv (GAR) <-> National_1 (SDET v3) <-> Student (Edifice).
// Local profiles (not national) are written "Local_<NAME>" and are compared as they are.

// The canonical National_XXX codes that a code of any family stands for: one for a national,
// GAR or local code; two for the SDET v3 categories that merge profiles (National_3 = ENS+DOC,
// National_4 = DIR+COL) and five for Edifice "Personnel". Empty for an unknown code.
std::vector<std::string> canonicalProfiles(const std::string& anyFamilyCode);
bool isKnownProfileCode(const std::string& anyFamilyCode);
// Canonical National_XXX when the code names exactly one profile, else the input unchanged.
std::string sdetCode(const std::string& anyFamilyCode);
std::string sdet3Category(const std::string& sdetCode);  // National_1..7, or empty
std::string garCode(const std::string& sdetCode);        // National_ens, or empty (TUT, ACA)

// ---- Ladders ------------------------------------------------------------------------------
// Ordered names, lowest first. Habilitation default: eleve < famille < partenaire <
// agent_collectivite < enseignant < direction < administration (architecture.md).
class Ladder {
  public:
    Ladder() = default;
    explicit Ladder(std::vector<std::string> levels) : levels_(std::move(levels)) {}
    int rank(const std::string& level) const;  // -1 when unknown
    const std::string& name(int rank) const;   // empty when out of range
    const std::vector<std::string>& levels() const { return levels_; }
    bool empty() const { return levels_.empty(); }

  private:
    std::vector<std::string> levels_;
};
Ladder defaultHabilitationLadder();
Ladder defaultAssuranceLadder();  // low < eidas1 < eidas2 < eidas3 (ent-identity.md §7)

// ---- Rules --------------------------------------------------------------------------------
// A rule is a small tree (all-of / any-of / not) over what Sesame knows of a person
// (envoy's jwt_authn verifier composition is the model).
struct Rule {
    enum class Kind {
        always,            // matches everyone
        allOf,             // every child matches
        anyOf,             // at least one child matches
        noneOf,            // no child matches ("not")
        profile,           // holds one of `values` (canonical codes, expanded when parsed)
        structure,         // attached to one of `values` (UAIs)
        directory,         // authenticated by one of `values` (connector ids)
        function,          // holds one of `values` (ENTPersonFonctions codes, e.g. DIR)
        authMethod,        // authenticated by one of `values` ("password", "otp"...)
        minimumLevel,      // habilitation rank >= rank (values[0]: the level name)
        minimumAssurance,  // assurance rank >= rank (values[0]: the level name)
    };
    Kind kind = Kind::always;
    std::vector<Rule> children;
    std::vector<std::string> values;
    int rank = 0;
};

// Uses identity.habilitationRank for minimumLevel.
bool matches(const Rule& rule, const core::Identity& identity, int assuranceRank);
// The same with the habilitation rank given (Policy computes it fresh).
bool matches(const Rule& rule, const core::Identity& identity, int levelRank, int assuranceRank);
// "profile in [National_ENS, National_DOC] and not (directory in [ent])": for logs and pages.
std::string describe(const Rule& rule);

// What names a rule may use while it is parsed.
struct RuleScope {
    const Ladder& levels;
    const Ladder& assurance;
    bool levelAllowed = true;  // false inside habilitation rules: the level is what they compute
};
// YAML form: { profile: [..] } { structure: [..] } { directory: [..] } { function: [..] }
// { auth_method: [..] } { minimum_level: x } { minimum_assurance: x } { all_of: [rules] }
// { any_of: [rules] } { not: rule }; several keys in one map = all of them.
Rule parseRule(const core::ConfigNode& node, const RuleScope& scope, core::ConfigErrors& errors);

// ---- Habilitation -------------------------------------------------------------------------
struct HabilitationRule {
    std::string level;
    int rank = -1;
    Rule when;
};

class HabilitationRules {
  public:
    // Section "habilitation": { levels: [...], assurance_levels: [...],
    // rules: [{level: x, when: <rule>}...] }. A missing section gives defaults().
    static HabilitationRules parse(const core::ConfigNode& section, core::ConfigErrors& errors);
    // The default ladders and rules, equal to those of etc/sesame.yml.
    static HabilitationRules defaults();
    // The highest level whose rule matches; the lowest level when none does.
    std::pair<std::string, int> compute(const core::Identity& identity) const;
    int assuranceRank(const core::Identity& identity) const;  // -1 when unknown or empty
    const Ladder& ladder() const { return ladder_; }
    const Ladder& assurance() const { return assurance_; }
    const std::vector<HabilitationRule>& rules() const { return rules_; }

  private:
    Ladder ladder_;
    Ladder assurance_;  // e.g. low < eidas1 < eidas2 < eidas3
    std::vector<HabilitationRule> rules_;
};

// ---- Services -----------------------------------------------------------------------------
// One released attribute: `name` as the service expects it, from `source`, one of:
// login, subject, displayName, givenName, familyName, email, profile (active SDET code),
// profiles (all), profile.sdet3, profiles.sdet3, profile.gar, profiles.gar, uai (active),
// structures, functions, classes, children, habilitation, directory, assurance, authMethod,
// attr:<internal attribute name>, or value:<constant> (the same for everyone).
struct ReleasedAttribute {
    std::string name;
    std::string source;
};
bool isKnownSource(const std::string& source);
const std::vector<std::string>& knownSources();  // without the attr: form

// Settings of a service that only its protocol reads (CAS: proxy callbacks and the logout URL;
// SAML: metadata, NameID, signing...), parsed by that protocol (protocols/X) from the service's
// own keys and carried here unread, as Envoy's typed per-filter config.
struct ProtocolSettings {
    virtual ~ProtocolSettings() = default;
};

// What a protocol adds to the service registry: its name (the `protocol:` value), the service
// keys it reads, and its parser (called with the whole service node; null: no settings).
struct ProtocolSchema {
    std::string protocol;
    std::vector<std::string> keys;
    std::function<std::shared_ptr<const ProtocolSettings>(const core::ConfigNode& service,
                                                          core::ConfigErrors& errors)>
        parse;
    // The key that names the service exactly, when the protocol has one instead of url_pattern
    // (OIDC: client_id): the service then matches that identifier and nothing else.
    std::string identifierKey;
};

// A whole-URL pattern from configuration (RE2: linear-time matching, docs/habilitation.md).
struct UrlPattern {
    std::string text;  // empty: matches nothing
    std::shared_ptr<const re2::RE2> compiled;
    bool matches(const std::string& url) const;
    // Reads `node` (a string, may be absent); an invalid expression is a configuration error.
    static UrlPattern parse(const core::ConfigNode& node, core::ConfigErrors& errors);
};

struct Service {
    std::string id;          // file-level id, unique
    std::string name;        // shown to people on the deny page
    std::string protocol;    // a ProtocolSchema's name: "cas", "saml"...
    std::string urlPattern;  // RE2 regex, matched against the whole identifier the service gives
                             // (CAS service URL, SAML entityID, OIDC client_id)
    std::shared_ptr<const re2::RE2> compiledPattern;
    std::vector<std::string> allowedProfiles;     // empty: any; canonical codes
    std::vector<std::string> allowedStructures;   // empty: any
    std::vector<std::string> allowedDirectories;  // empty: any; else the portal offers only these
    std::string minimumLevel;                     // empty: none
    int minimumLevelRank = -1;
    std::string minimumAssurance;  // empty: none
    int minimumAssuranceRank = -1;
    Rule access;                          // extra rule; Kind::always when none is configured
    std::string userAttribute = "login";  // source of the CAS user / subject
    std::vector<ReleasedAttribute> release;
    bool singleLogout = true;                          // single logout reaches this service
    std::shared_ptr<const ProtocolSettings> settings;  // the protocol's own (may be null)
    int evaluationOrder = 0;                           // lower first when several patterns match
    std::string file;  // where it was configured, for check-config and logs
    int line = 0;

    bool acceptsUrl(const std::string& url) const;  // whole-URL match
    // The protocol's settings, when they are of that type (null otherwise).
    template <class T>
    const T* settingsAs() const {
        return dynamic_cast<const T*>(settings.get());
    }
};

// A service URL pattern compiled (RE2, linear-time matching); null with RE2's message in `error`
// when it is not one. The registry compiles its patterns with it once, at load.
std::shared_ptr<const re2::RE2> compileServicePattern(const std::string& pattern,
                                                      std::string* error = nullptr);

// The registered service an identifier belongs to (ServiceRegistry::find: a CAS service URL, a
// SAML entityID), nullptr when none. What endpoints look services up with: a function, so that
// the app can swap the registry on reload.
using ServiceLookup =
    std::function<const Service*(const std::string& protocol, const std::string& id)>;

class ServiceRegistry {
  public:
    // Each node is one YAML file of etc/services/ (a map with a "services" list, or one service).
    // `protocols`: the registered protocols (gateway/app's endpoint list); a service of another
    // protocol, or with a key neither common nor its protocol's, is a configuration error.
    static ServiceRegistry parse(const std::vector<core::ConfigNode>& files, const Ladder& levels,
                                 const Ladder& assurance,
                                 const std::vector<ProtocolSchema>& protocols,
                                 core::ConfigErrors& errors);
    // The service of that protocol whose pattern matches the whole URL, lowest
    // evaluation_order first (file name order, then position in the file, on ties).
    const Service* find(const std::string& protocol, const std::string& url) const;
    const Service* byId(const std::string& id) const;
    const std::vector<Service>& all() const { return services_; }  // in evaluation order

  private:
    std::vector<Service> services_;
};

// ---- Decisions ----------------------------------------------------------------------------
struct DenyReason {
    enum class Kind {
        none,
        profile,    // none of the held profiles is allowed
        structure,  // not attached (with an allowed profile) to an allowed structure
        directory,  // (step-up) authenticated at a directory the service does not accept
        level,      // habilitation level too low
        assurance,  // (step-up) login not strong enough
        access,     // the service's access rule does not match; expected = its description
        attribute,  // the attribute the service uses as user id is empty for this person
    };
    Kind kind = Kind::none;
    std::vector<std::string> expected;  // the profiles / UAIs / level that would be accepted
    std::string actual;                 // what the person has (held profiles, level...)
};

struct Decision {
    enum class Outcome { permit, deny, stepUp };
    Outcome outcome = Outcome::deny;
    DenyReason reason;                           // for deny and stepUp
    core::Release release;                       // for permit
    std::vector<std::string> stepUpDirectories;  // for stepUp: directories that would do
                                                 // (empty: any directory strong enough)
    std::string habilitation;                    // the level computed for this decision
    int habilitationRank = -1;
};

class Policy {
  public:
    Policy(HabilitationRules rules) : rules_(std::move(rules)) {}
    // Checks in this order: directory (step-up), profile, structure, level (deny),
    // assurance (step-up), access rule (deny), user attribute (deny); then permit.
    Decision decide(const core::Identity& identity, const Service& service) const;
    core::Release release(const core::Identity& identity, const Service& service) const;
    const HabilitationRules& habilitation() const { return rules_; }

  private:
    HabilitationRules rules_;
};

}  // namespace sesame::policies
