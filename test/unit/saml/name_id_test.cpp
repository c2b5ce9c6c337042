// NameIDs and subject identifiers (SAML core §8.3, the Subject Identifier Attributes Profile) and
// authentication contexts against the assurance ladder, without an endpoint.
#include <catch2/catch.hpp>
#include <regex>

#include "gateway/xml/saml_names.hpp"
#include "protocols/saml/authn_context.hpp"
#include "protocols/saml/name_id.hpp"

using namespace sesame;
using namespace sesame::saml;
namespace names = sesame::xml::saml;

namespace {

core::Identity person(std::string subject, std::string directory = "ent") {
    core::Identity i;
    i.subject = std::move(subject);
    i.directory = std::move(directory);
    i.email = "eleve@ac-lyon.fr";
    i.authMethod = "password";
    i.assurance = "low";
    return i;
}

const std::string secret(32, 's');
const NameIdContext lycee{"https://sesame.example.org/saml/metadata",
                          "https://lycee.example.org/sp", secret};
const NameIdContext gar{"https://sesame.example.org/saml/metadata", "https://gar.example.org/sp",
                        secret};

}  // namespace

TEST_CASE("a persistent NameID is keyed by secret, SP, directory and person", "[unit][saml]") {
    core::Release release;
    auto a = nameIdFor(names::nameid::persistent, lycee, person("s1"), release);
    REQUIRE(a.has_value());
    CHECK(a->format == names::nameid::persistent);
    CHECK(a->nameQualifier == lycee.idpEntityId);
    CHECK(a->spNameQualifier == lycee.spEntityId);
    CHECK(std::regex_match(a->value, std::regex("[A-Za-z0-9_-]{43}")));
    CHECK(nameIdFor(names::nameid::persistent, lycee, person("s1"), release)->value == a->value);
    CHECK(nameIdFor(names::nameid::persistent, gar, person("s1"), release)->value != a->value);
    CHECK(nameIdFor(names::nameid::persistent, lycee, person("s2"), release)->value != a->value);
    CHECK(nameIdFor(names::nameid::persistent, lycee, person("s1", "other"), release)->value !=
          a->value);
    const std::string otherSecret(32, 't');
    NameIdContext rotated{lycee.idpEntityId, lycee.spEntityId, otherSecret};
    CHECK(nameIdFor(names::nameid::persistent, rotated, person("s1"), release)->value != a->value);
    // The parts are separated: ("ab", "c") is not ("a", "bc").
    CHECK(nameIdFor(names::nameid::persistent, lycee, person("c", "ab"), release)->value !=
          nameIdFor(names::nameid::persistent, lycee, person("bc", "a"), release)->value);
}

TEST_CASE("transient, email and unspecified NameIDs", "[unit][saml]") {
    core::Release release;
    release.user = "eleve.dupont";
    auto t1 = nameIdFor(names::nameid::transient, lycee, person("s1"), release);
    auto t2 = nameIdFor(names::nameid::transient, lycee, person("s1"), release);
    REQUIRE(t1.has_value());
    REQUIRE(t2.has_value());
    CHECK(t1->value != t2->value);
    CHECK(t1->value.size() > 20);
    CHECK(nameIdFor(names::nameid::emailAddress, lycee, person("s1"), release)->value ==
          "eleve@ac-lyon.fr");
    CHECK(nameIdFor(names::nameid::unspecified, lycee, person("s1"), release)->value ==
          "eleve.dupont");
    auto noMail = person("s1");
    noMail.email.clear();
    CHECK_FALSE(nameIdFor(names::nameid::emailAddress, lycee, noMail, release).has_value());
    CHECK_FALSE(
        nameIdFor(names::nameid::unspecified, lycee, person("s1"), core::Release{}).has_value());
    CHECK_FALSE(nameIdFor("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos", lycee, person("s1"),
                          release)
                    .has_value());
}

TEST_CASE("subject-id is the same for every SP, pairwise-id is not", "[unit][saml]") {
    auto p = person("s1");
    auto subject = subjectId(lycee, p, "ac-lyon.fr");
    CHECK(std::regex_match(subject, std::regex("[0-9a-f]{64}@ac-lyon\\.fr")));
    CHECK(subjectId(gar, p, "ac-lyon.fr") == subject);
    auto pairwise = pairwiseId(lycee, p, "ac-lyon.fr");
    CHECK(std::regex_match(pairwise, std::regex("[0-9a-f]{64}@ac-lyon\\.fr")));
    CHECK(pairwiseId(gar, p, "ac-lyon.fr") != pairwise);
    CHECK(pairwise != subject);
}

TEST_CASE("authentication contexts on the assurance ladder", "[unit][saml]") {
    using C = names::AuthnContextComparison;
    const auto ladder = policies::defaultAssuranceLadder();
    const std::string ppt(names::authncontext::passwordProtectedTransport);
    const std::string low = "http://eidas.europa.eu/LoA/low";
    const std::string substantial = "http://eidas.europa.eu/LoA/substantial";
    const std::string high = "http://eidas.europa.eu/LoA/high";
    auto password = person("s1");
    auto franceConnect = person("s1");
    franceConnect.authMethod = "oidc";
    franceConnect.assurance = "eidas2";

    CHECK(classRefFor(password) == ppt);
    CHECK(classRefFor(franceConnect) == substantial);
    auto unknownMethod = person("s1");
    unknownMethod.authMethod = "cas";
    CHECK(classRefFor(unknownMethod) == names::authncontext::unspecified);

    CHECK(requiredAssurance({C::minimum, {substantial}}, ladder) == "eidas2");
    CHECK(requiredAssurance({C::minimum, {high, low}}, ladder) == "eidas1");
    CHECK(requiredAssurance({C::better, {low}}, ladder) == "eidas2");
    CHECK_FALSE(requiredAssurance({C::better, {high}}, ladder).has_value());
    CHECK(requiredAssurance({C::maximum, {substantial}}, ladder) == "");
    CHECK_FALSE(requiredAssurance({C::exact, {"urn:example:unknown"}}, ladder).has_value());

    CHECK(satisfies(password, {C::exact, {ppt}}, ladder));
    CHECK_FALSE(satisfies(password, {C::exact, {substantial}}, ladder));
    CHECK(satisfies(password, {C::minimum, {ppt}}, ladder));
    CHECK_FALSE(satisfies(password, {C::minimum, {low}}, ladder));
    CHECK(satisfies(franceConnect, {C::minimum, {low}}, ladder));
    CHECK(satisfies(franceConnect, {C::better, {low}}, ladder));
    CHECK_FALSE(satisfies(franceConnect, {C::better, {substantial}}, ladder));
    CHECK(satisfies(franceConnect, {C::maximum, {substantial}}, ladder));
    CHECK_FALSE(satisfies(franceConnect, {C::maximum, {low}}, ladder));
    CHECK_FALSE(satisfies(franceConnect, {C::exact, {"urn:example:unknown"}}, ladder));
}
