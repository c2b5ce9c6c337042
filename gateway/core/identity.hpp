#pragma once
// Who a person is, as Sesame knows them after a directory said so. Built by a connector's mapping,
// enriched by attribute sources, judged by policies, stored inside the Session.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/result.hpp"

namespace sesame::core {

// Multi-valued attributes as directories give them (LDAP, SAML, AAF): name -> values.
class AttributeSet {
  public:
    using Entry = std::pair<std::string, std::vector<std::string>>;

    void add(const std::string& name, std::string value);
    void set(std::string name, std::vector<std::string> values);            // no values: removed
    const std::vector<std::string>& values(const std::string& name) const;  // empty if absent
    std::optional<std::string> first(const std::string& name) const;
    bool has(const std::string& name) const;
    const Entry* find(std::string_view name) const;  // exact name, or nullptr
    // Sorted by name. A flat vector, not a map: a set is built once and read through (a ticket
    // is decoded for every validation), and its names arrive sorted from the store.
    const std::vector<Entry>& all() const { return entries_; }
    bool operator==(const AttributeSet&) const = default;

  private:
    std::vector<Entry>::iterator lowerBound(std::string_view name);
    std::vector<Entry> entries_;
};

// One SDET national profile held for one structure: "National_ENS" at UAI "0690001A".
// A person may hold several and picks an active one (ent-identity.md §7).
struct ProfileAssignment {
    std::string profile;  // SDET code, e.g. National_ENS
    std::string uai;      // structure (UAI), may be empty for profiles without a structure
    bool operator==(const ProfileAssignment&) const = default;
};

struct Identity {
    std::string subject;    // stable identifier at the source directory (uid, ENTPersonJointure)
    std::string directory;  // id of the directory (connector) that authenticated the person
    std::string login;      // what the person typed
    std::string displayName;
    std::string givenName;
    std::string familyName;
    std::string email;
    std::vector<ProfileAssignment> profiles;
    std::size_t activeProfile = 0;        // index in profiles
    std::vector<std::string> structures;  // UAIs the person is attached to
    std::vector<std::string> functions;   // ENTPersonFonctions-like codes
    std::vector<std::string> classes;     // classes/groups, "UAI$class"
    std::vector<std::string> children;    // subjects of the pupils a parent is responsible for
    std::string authMethod;               // "password", "saml", "oidc"...
    std::string assurance;                // level of assurance: "low", "eidas1"...
    std::int64_t authTime = 0;            // unix seconds
    std::string habilitation;             // level name, computed by policies
    int habilitationRank = -1;            // rank of that level in the configured ladder
    AttributeSet attributes;              // mapped attributes, by Sesame's internal names

    const ProfileAssignment* active() const;
    bool hasProfile(const std::string& sdetCode) const;
    bool operator==(const Identity&) const = default;
};

boost::json::value toJson(const Identity& identity);
Result<Identity> identityFromJson(const boost::json::value& value);

}  // namespace sesame::core
