#pragma once
// What the integration tests do as a person would: open a service, choose "who I am" on
// Sesame's portal, type a login and a password, land back in the service.
#include <string>

#include "test/support/html.hpp"
#include "test/support/http_client.hpp"

namespace sesame::testing {

struct DemoPerson {
    std::string login;
    std::string choice;        // portal choice id (etc/sesame.yml portal.choices)
    std::string profile;       // SDET code the service must show
    std::string habilitation;  // level the service must show
};

inline const DemoPerson teacher{"prof.herriot", "academie", "National_ENS", "enseignant"};
inline const DemoPerson director{"dir.herriot", "academie", "National_DIR", "direction"};
inline const DemoPerson communeAgent{"agent.mairie", "commune", "National_COL",
                                     "agent_collectivite"};
inline const DemoPerson partner{"anim.periscolaire", "partenaire", "Local_PERISCOLAIRE",
                                "partenaire"};
inline const DemoPerson pupil{"eleve.herriot", "famille", "National_ELV", "eleve"};
inline const DemoPerson parent{"parent.herriot", "famille", "National_TUT", "famille"};

// The href of the choice `choiceId` on the portal's directory choice page, resolved.
std::string choiceLink(const Response& page, const std::string& choiceId);
// From a page of Sesame's portal (choice page or login form) to the response after the login
// form was posted (redirects followed).
// With `followRedirects` false, the response to the form's POST itself (a redirect to the
// service on success), for services that do not exist.
Response logIn(Browser& browser, const Response& portalPage, const DemoPerson& person,
               const std::string& password = "demo", bool followRedirects = true);
// The login form of the portal page (after following the choice when needed).
Response loginForm(Browser& browser, const Response& portalPage, const std::string& choiceId);

}  // namespace sesame::testing
