// Access decisions and attribute release. Pure functions of (identity, service, rules).
#include "policies/policy.hpp"

#include <algorithm>

#include "policies/config_values.hpp"

namespace sesame::policies {
namespace {

bool contains(const std::vector<std::string>& values, const std::string& v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

void addUnique(std::vector<std::string>& out, std::string value) {
    if (!value.empty() && !contains(out, value)) out.push_back(std::move(value));
}

const core::ProfileAssignment* activeProfile(const core::Identity& identity) {
    if (const auto* p = identity.active()) return p;
    return identity.profiles.empty() ? nullptr : &identity.profiles.front();
}

// Every structure the person is attached to: the directory's list and the profiles' UAIs.
std::vector<std::string> allStructures(const core::Identity& identity) {
    std::vector<std::string> out;
    for (const auto& s : identity.structures) addUnique(out, s);
    for (const auto& p : identity.profiles) addUnique(out, p.uai);
    return out;
}

template <class F>
std::vector<std::string> perProfile(const core::Identity& identity, F&& translate) {
    std::vector<std::string> out;
    for (const auto& p : identity.profiles) addUnique(out, translate(p.profile));
    return out;
}

std::vector<std::string> one(std::string value) {
    if (value.empty()) return {};
    return {std::move(value)};
}

std::vector<std::string> sourceValues(const core::Identity& id, const std::string& source,
                                      const std::string& level) {
    const auto* active = activeProfile(id);
    const std::string activeCode = active ? active->profile : std::string{};
    if (source == "login") return one(id.login);
    if (source == "subject") return one(id.subject);
    if (source == "displayName") return one(id.displayName);
    if (source == "givenName") return one(id.givenName);
    if (source == "familyName") return one(id.familyName);
    if (source == "email") return one(id.email);
    if (source == "profile") return one(active ? sdetCode(activeCode) : "");
    if (source == "profiles") return perProfile(id, sdetCode);
    if (source == "profile.sdet3") return one(sdet3Category(activeCode));
    if (source == "profiles.sdet3") return perProfile(id, sdet3Category);
    if (source == "profile.gar") return one(garCode(activeCode));
    if (source == "profiles.gar") return perProfile(id, garCode);
    if (source == "uai") {
        if (active && !active->uai.empty()) return {active->uai};
        return id.structures.empty() ? std::vector<std::string>{} : one(id.structures.front());
    }
    if (source == "structures") return allStructures(id);
    if (source == "functions") return id.functions;
    if (source == "classes") return id.classes;
    if (source == "children") return id.children;
    if (source == "habilitation") return one(level);
    if (source == "directory") return one(id.directory);
    if (source == "assurance") return one(id.assurance);
    if (source == "authMethod") return one(id.authMethod);
    if (source.rfind("attr:", 0) == 0) return id.attributes.values(source.substr(5));
    // A constant the service expects from every person (the GAR's idEnt: the ENT project's id).
    if (source.rfind("value:", 0) == 0) return {source.substr(6)};
    return {};
}

std::vector<std::string> heldProfiles(const core::Identity& identity) {
    return perProfile(identity, sdetCode);
}

bool profileAllowed(const Service& s, const std::string& code) {
    if (s.allowedProfiles.empty()) return true;
    auto codes = canonicalProfiles(code);
    if (codes.empty()) return contains(s.allowedProfiles, code);
    // A legacy category passes only when every profile it may stand for is allowed.
    return std::all_of(codes.begin(), codes.end(),
                       [&](const std::string& c) { return contains(s.allowedProfiles, c); });
}

// A structure fits when one allowed profile is held for an allowed structure: a teacher at one
// school who is a parent at another does not reach the second school's staff service.
bool structureFits(const Service& s, const core::Identity& identity) {
    if (s.allowedStructures.empty()) return true;
    auto allowed = [&](const std::string& uai) { return contains(s.allowedStructures, uai); };
    if (s.allowedProfiles.empty()) {
        auto all = allStructures(identity);
        return std::any_of(all.begin(), all.end(), allowed);
    }
    for (const auto& p : identity.profiles) {
        if (!profileAllowed(s, p.profile)) continue;
        if (!p.uai.empty()
                ? allowed(p.uai)
                : std::any_of(identity.structures.begin(), identity.structures.end(), allowed))
            return true;
    }
    return false;
}

Decision refuse(Decision::Outcome outcome, DenyReason::Kind kind, std::vector<std::string> expected,
                std::string actual) {
    Decision d;
    d.outcome = outcome;
    d.reason = {kind, std::move(expected), std::move(actual)};
    return d;
}

}  // namespace

const std::vector<std::string>& knownSources() {
    static const std::vector<std::string> sources{
        "login",     "subject",    "displayName",   "givenName",      "familyName",  "email",
        "profile",   "profiles",   "profile.sdet3", "profiles.sdet3", "profile.gar", "profiles.gar",
        "uai",       "structures", "functions",     "classes",        "children",    "habilitation",
        "directory", "assurance",  "authMethod"};
    return sources;
}

bool isKnownSource(const std::string& source) {
    if (source.rfind("attr:", 0) == 0) return source.size() > 5;
    if (source.rfind("value:", 0) == 0) return source.size() > 6;
    return contains(knownSources(), source);
}

Decision Policy::decide(const core::Identity& identity, const Service& s) const {
    using O = Decision::Outcome;
    using K = DenyReason::Kind;
    const auto [level, rank] = rules_.compute(identity);
    const int assurance = rules_.assuranceRank(identity);
    Decision d;
    // Another directory may know the same person with other profiles: ask for it before refusing.
    if (!s.allowedDirectories.empty() && !contains(s.allowedDirectories, identity.directory)) {
        d = refuse(O::stepUp, K::directory, s.allowedDirectories, identity.directory);
        d.stepUpDirectories = s.allowedDirectories;
    } else if (!s.allowedProfiles.empty() &&
               std::none_of(identity.profiles.begin(), identity.profiles.end(),
                            [&](const auto& p) { return profileAllowed(s, p.profile); })) {
        d = refuse(O::deny, K::profile, s.allowedProfiles, joined(heldProfiles(identity)));
    } else if (!structureFits(s, identity)) {
        d = refuse(O::deny, K::structure, s.allowedStructures, joined(allStructures(identity)));
    } else if (s.minimumLevelRank >= 0 && rank < s.minimumLevelRank) {
        d = refuse(O::deny, K::level, {s.minimumLevel}, level);
    } else if (s.minimumAssuranceRank >= 0 && assurance < s.minimumAssuranceRank) {
        // A missing assurance is a step-up, never a refusal (architecture.md, "Profile...").
        d = refuse(O::stepUp, K::assurance, {s.minimumAssurance}, identity.assurance);
        d.stepUpDirectories = s.allowedDirectories;
    } else if (!matches(s.access, identity, rank, assurance)) {
        d = refuse(O::deny, K::access, {describe(s.access)}, "");
    } else {
        d.release = release(identity, s);
        if (d.release.user.empty())
            d = refuse(O::deny, K::attribute, {s.userAttribute}, "");
        else
            d.outcome = O::permit;
    }
    d.habilitation = level;
    d.habilitationRank = rank;
    return d;
}

core::Release Policy::release(const core::Identity& identity, const Service& s) const {
    const auto level = rules_.compute(identity).first;
    core::Release out;
    auto user = sourceValues(identity, s.userAttribute, level);
    if (!user.empty()) out.user = user.front();
    for (const auto& a : s.release) {
        auto values = sourceValues(identity, a.source, level);
        if (!values.empty()) out.attributes.set(a.name, std::move(values));
    }
    return out;
}

}  // namespace sesame::policies
