#pragma once
// How a person authenticated, in SAML's words (saml-authn-context-2.0-os, eIDAS levels of
// assurance), and whether a login answers what an SP asked for (core §3.3.2.2.1
// RequestedAuthnContext). Sesame's own measure is the assurance ladder of etc/sesame.yml
// (low < eidas1 < eidas2 < eidas3): each class maps to one of its levels.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/identity.hpp"
#include "gateway/xml/saml_message.hpp"
#include "policies/policy.hpp"

namespace sesame::saml {

// The AuthnContextClassRef of this login: an eIDAS level URI for an eIDAS assurance
// (FranceConnect), PasswordProtectedTransport for a password typed over TLS, unspecified else.
std::string classRefFor(const core::Identity& identity);

// The assurance level a class stands for ("low", "eidas1"...); nullopt: a class Sesame does
// not know (it can never be satisfied).
std::optional<std::string> assuranceOf(std::string_view classRef);

// What a request asks, in assurance levels: the lowest level a login must reach before the
// endpoint can answer (for the login flow's step-up); empty when nothing is asked; nullopt
// when no requested class is known (NoAuthnContext at once).
std::optional<std::string> requiredAssurance(const xml::saml::RequestedAuthnContext& requested,
                                             const policies::Ladder& assurance);

// Whether this login answers the request (exact: its class is listed; minimum / better /
// maximum: compared on the ladder).
bool satisfies(const core::Identity& identity, const xml::saml::RequestedAuthnContext& requested,
               const policies::Ladder& assurance);

}  // namespace sesame::saml
