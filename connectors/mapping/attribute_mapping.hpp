#pragma once
// How one directory's attributes become a Sesame Identity. Every directory names things its own
// way (an academic LDAP says ENTPersonProfils, a commune's Active Directory only has groups), so
// each `directories[].mapping` section says which attribute carries what; this code is the same
// for LDAP, local accounts and, later, SAML/OIDC claims. Pure: no I/O, no clock.
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/core/identity.hpp"

namespace sesame::mapping {

struct AttributeMapping {
    // Directory attribute names (empty: not mapped).
    std::string subject;  // stable id; falls back to the login value when absent
    std::string login;
    std::string displayName;  // falls back to "given family"
    std::string givenName;
    std::string familyName;
    std::string email;
    std::string profiles;    // SDET codes (ENTPersonProfils), one per value
    std::string structures;  // UAIs or AAF structure ids (ENTPersonStructRattach), kept as given
    std::string functions;   // ENTPersonFonctions "structId$ENS$..." -> "ENS"
    std::string classes;     // ENTEleveClasses "structId$CM1-A", kept whole
    std::string children;    // ENTAuxPersRelEleveEleve: pupil ids, or DNs (first RDN value kept)
    std::string groupAttribute;  // memberOf
    // Group DN -> SDET profile, for directories that have groups and no profile attribute (AD).
    // DNs compare case-insensitively and without spaces around ',' and '='.
    std::vector<std::pair<std::string, std::string>> groupProfiles;
    std::string fixedProfile;                  // `profile:` given to every account of the directory
    std::string fixedStructure;                // `structure:` a UAI every account is attached to
    std::vector<std::string> extraAttributes;  // `attributes:` copied as they are

    // Parses a `mapping:` section. An absent section gives the mapping of an ENT-schema LDAP
    // directory (uid, displayName, ENTPersonProfils, ...) so that a minimal configuration works.
    static AttributeMapping parse(const core::ConfigNode& node, core::ConfigErrors& errors);
    static AttributeMapping entDefaults();

    // The directory attribute names this mapping reads, for an LDAP search's attribute list.
    std::vector<std::string> attributeNames() const;

    // Builds the identity. Fills subject, login, names, email, profiles, structures, functions,
    // classes, children and attributes (raw values of every mapped attribute, under their
    // directory names). The caller sets directory, authMethod, assurance and authTime.
    core::Identity map(const core::AttributeSet& raw) const;
};

// Profiles x structures: each SDET code held at each of the person's structures (ent-identity
// §7: a person holds (profile, UAI) pairs and picks an active one). No structure: empty UAI.
std::vector<core::ProfileAssignment> pairProfiles(const std::vector<std::string>& profiles,
                                                  const std::vector<std::string>& structures);

// The 2nd `$`-separated field of an ENTPersonFonctions value ("0690001A$DIR$DIRECTION" -> "DIR");
// a value without `$` is taken as the code itself.
std::string functionCode(const std::string& value);

// Canonical form of a DN for comparison: lower case, no spaces around ',' '=' '+'.
std::string normalizeDn(const std::string& dn);

// The value of the first RDN of a DN ("uid=eleve.herriot,ou=people" -> "eleve.herriot"), or the
// value itself when it is not a DN.
std::string firstRdnValue(const std::string& value);

// A directory value made printable: valid UTF-8 without control characters (tab and line
// breaks allowed) is kept; a 16-byte
// binary value is shown as a GUID the way Active Directory tools show objectGUID (first three
// groups little-endian); other binary values as "0x" + hex.
std::string printableValue(const std::string& value);

}  // namespace sesame::mapping
