#include "protocols/saml/authn_context.hpp"

#include <algorithm>

#include "gateway/xml/saml_names.hpp"

namespace sesame::saml {
namespace {
namespace names = xml::saml;

// eIDAS levels of assurance (Commission Implementing Regulation 2015/1502), as FranceConnect
// and the eIDAS nodes name them.
struct Known {
    std::string_view classRef;
    std::string_view assurance;
};
constexpr Known known[] = {
    {names::authncontext::password, "low"},
    {names::authncontext::passwordProtectedTransport, "low"},
    {names::authncontext::previousSession, "low"},
    {"http://eidas.europa.eu/LoA/low", "eidas1"},
    {"http://eidas.europa.eu/LoA/substantial", "eidas2"},
    {"http://eidas.europa.eu/LoA/high", "eidas3"},
};

std::vector<int> requestedRanks(const xml::saml::RequestedAuthnContext& requested,
                                const policies::Ladder& assurance) {
    std::vector<int> ranks;
    for (const auto& ref : requested.classRefs)
        if (auto level = assuranceOf(ref); level && assurance.rank(*level) >= 0)
            ranks.push_back(assurance.rank(*level));
    return ranks;
}

}  // namespace

std::string classRefFor(const core::Identity& identity) {
    for (const auto& k : known)
        if (k.assurance == identity.assurance && k.assurance != "low")
            return std::string(k.classRef);
    if (identity.authMethod == "password")
        return std::string(names::authncontext::passwordProtectedTransport);
    return std::string(names::authncontext::unspecified);
}

std::optional<std::string> assuranceOf(std::string_view classRef) {
    for (const auto& k : known)
        if (k.classRef == classRef) return std::string(k.assurance);
    return std::nullopt;
}

std::optional<std::string> requiredAssurance(const xml::saml::RequestedAuthnContext& requested,
                                             const policies::Ladder& assurance) {
    using C = xml::saml::AuthnContextComparison;
    auto ranks = requestedRanks(requested, assurance);
    if (ranks.empty()) return std::nullopt;
    if (requested.comparison == C::maximum) return std::string{};
    int lowest = *std::min_element(ranks.begin(), ranks.end());
    if (requested.comparison == C::better) ++lowest;
    if (lowest >= static_cast<int>(assurance.levels().size())) return std::nullopt;
    return assurance.name(lowest);
}

bool satisfies(const core::Identity& identity, const xml::saml::RequestedAuthnContext& requested,
               const policies::Ladder& assurance) {
    using C = xml::saml::AuthnContextComparison;
    auto ranks = requestedRanks(requested, assurance);
    if (ranks.empty()) return false;
    const int held = assurance.rank(identity.assurance);
    switch (requested.comparison) {
        case C::exact: {
            auto mine = classRefFor(identity);
            return std::find(requested.classRefs.begin(), requested.classRefs.end(), mine) !=
                   requested.classRefs.end();
        }
        case C::minimum:
            return held >= *std::min_element(ranks.begin(), ranks.end());
        case C::better:
            return held > *std::min_element(ranks.begin(), ranks.end());
        case C::maximum:
            return held >= 0 && held <= *std::max_element(ranks.begin(), ranks.end());
    }
    return false;
}

}  // namespace sesame::saml
