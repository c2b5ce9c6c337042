// Profile code families (ent-identity.md §1). The nine national codes are the canonical form;
// every other family is translated to them once, when a rule or a service is parsed.
#include <algorithm>
#include <array>
#include <cctype>

#include "policies/policy.hpp"

namespace sesame::policies {
namespace {

struct NationalProfile {
    const char* code;   // SDET code, canonical
    const char* sdet3;  // legacy SDET v3 category (laclasse Cas.cs ProfilIdToSdet3)
    const char* gar;    // GAR code (ode-mediacentre GarConstants); empty: not a GAR profile
};

constexpr std::array<NationalProfile, 9> kNational{{
    {"National_ELV", "National_1", "National_elv"},
    {"National_TUT", "National_2", ""},  // parents are out of the GAR's scope (§5)
    {"National_ENS", "National_3", "National_ens"},
    {"National_DOC", "National_3", "National_doc"},
    {"National_DIR", "National_4", "National_dir"},
    {"National_COL", "National_4", "National_col"},
    {"National_EVS", "National_5", "National_evs"},
    {"National_ETA", "National_6", "National_eta"},
    {"National_ACA", "National_7", ""},
}};

// Edifice ENT Core profiles (entcore CAS envelope, §6): Personnel is every non-teaching
// Education nationale agent.
struct EdificeProfile {
    const char* name;
    std::vector<std::string> codes;
};
const std::vector<EdificeProfile>& edificeProfiles() {
    static const std::vector<EdificeProfile> profiles{
        {"Student", {"National_ELV"}},
        {"Relative", {"National_TUT"}},
        {"Teacher", {"National_ENS"}},
        {"Personnel",
         {"National_DIR", "National_EVS", "National_ETA", "National_ACA", "National_DOC"}},
    };
    return profiles;
}

bool equalsIgnoringCase(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

const NationalProfile* national(const std::string& code) {
    for (const auto& p : kNational)
        if (code == p.code) return &p;
    return nullptr;
}

}  // namespace

std::vector<std::string> canonicalProfiles(const std::string& code) {
    const std::string prefix = "National_";
    if (code.rfind(prefix, 0) == 0) {
        // National_ELV, and the GAR's National_elv: the suffix in any case.
        for (const auto& p : kNational)
            if (equalsIgnoringCase(code, p.code)) return {p.code};
        std::vector<std::string> out;
        for (const auto& p : kNational)
            if (code == p.sdet3) out.emplace_back(p.code);
        return out;
    }
    for (const auto& e : edificeProfiles())
        if (code == e.name) return e.codes;
    if (code.rfind("Local_", 0) == 0 && code.size() > 6) return {code};
    return {};
}

bool isKnownProfileCode(const std::string& code) {
    return !canonicalProfiles(code).empty();
}

std::string sdetCode(const std::string& code) {
    auto codes = canonicalProfiles(code);
    return codes.size() == 1 ? codes.front() : code;
}

std::string sdet3Category(const std::string& code) {
    const auto* p = national(sdetCode(code));
    return p ? p->sdet3 : std::string{};
}

std::string garCode(const std::string& code) {
    const auto* p = national(sdetCode(code));
    return p ? p->gar : std::string{};
}

int Ladder::rank(const std::string& level) const {
    auto it = std::find(levels_.begin(), levels_.end(), level);
    return it == levels_.end() ? -1 : static_cast<int>(it - levels_.begin());
}

const std::string& Ladder::name(int rank) const {
    static const std::string none;
    if (rank < 0 || rank >= static_cast<int>(levels_.size())) return none;
    return levels_[static_cast<std::size_t>(rank)];
}

Ladder defaultHabilitationLadder() {
    return Ladder({"eleve", "famille", "partenaire", "agent_collectivite", "enseignant",
                   "direction", "administration"});
}

Ladder defaultAssuranceLadder() {
    return Ladder({"low", "eidas1", "eidas2", "eidas3"});
}

}  // namespace sesame::policies
