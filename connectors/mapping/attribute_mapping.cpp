#include "connectors/mapping/attribute_mapping.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/core/text.hpp"

namespace sesame::mapping {
namespace {

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// LDAP attribute descriptions are case-insensitive (RFC 4512 §2.5): a mapping that says
// "entpersonprofils" must find what the server returned as "ENTPersonProfils".
const core::AttributeSet::Entry* findAttribute(const core::AttributeSet& raw,
                                               const std::string& name) {
    if (name.empty()) return nullptr;
    if (const auto* exact = raw.find(name)) return exact;
    for (const auto& entry : raw.all())
        if (equalsIgnoreCase(entry.first, name)) return &entry;
    return nullptr;
}

const std::vector<std::string>& valuesOf(const core::AttributeSet& raw, const std::string& name) {
    static const std::vector<std::string> none;
    const auto* found = findAttribute(raw, name);
    return found ? found->second : none;
}

std::string trim(const std::string& s) {
    auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

std::string firstOf(const core::AttributeSet& raw, const std::string& name) {
    for (const auto& v : valuesOf(raw, name)) {
        auto t = trim(v);
        if (!t.empty()) return t;
    }
    return {};
}

void addUnique(std::vector<std::string>& out, std::string value) {
    if (value.empty()) return;
    if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(std::move(value));
}

bool isUai(const std::string& s) {
    return s.size() == 8 &&
           std::all_of(s.begin(), s.begin() + 7,
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
           std::isalpha(static_cast<unsigned char>(s[7]));
}

std::string attributeName(const core::ConfigNode& node, core::ConfigErrors& errors) {
    auto name = node.asString(errors);
    // RFC 4512 §2.5: an attribute description is a keystring (letter, then letters, digits,
    // hyphens) or an OID. Anything else is a typo that would silently map nothing.
    bool ok = std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ';';
    });
    if (!ok) {
        errors.add(node, "expected an attribute name (letters, digits, '-'), got \"" + name + "\"");
        return {};
    }
    return name;
}

}  // namespace

AttributeMapping AttributeMapping::entDefaults() {
    AttributeMapping m;
    m.subject = "ENTPersonJointure";
    m.login = "uid";
    m.displayName = "displayName";
    m.givenName = "givenName";
    m.familyName = "sn";
    m.email = "mail";
    m.profiles = "ENTPersonProfils";
    m.structures = "ENTPersonStructRattach";
    m.functions = "ENTPersonFonctions";
    m.classes = "ENTEleveClasses";
    m.children = "ENTAuxPersRelEleveEleve";
    return m;
}

AttributeMapping AttributeMapping::parse(const core::ConfigNode& node, core::ConfigErrors& errors) {
    if (!node.present()) return entDefaults();
    if (!node.isMap()) {
        errors.add(node, "expected a map of Sesame names to directory attribute names");
        return entDefaults();
    }
    node.checkKeys(errors,
                   {"subject", "login", "display_name", "given_name", "family_name", "email",
                    "profiles", "structures", "functions", "classes", "children", "group_attribute",
                    "group_profiles", "profile", "structure", "attributes"});
    AttributeMapping m;
    m.subject = attributeName(node["subject"], errors);
    m.login = attributeName(node["login"], errors);
    m.displayName = attributeName(node["display_name"], errors);
    m.givenName = attributeName(node["given_name"], errors);
    m.familyName = attributeName(node["family_name"], errors);
    m.email = attributeName(node["email"], errors);
    m.profiles = attributeName(node["profiles"], errors);
    m.structures = attributeName(node["structures"], errors);
    m.functions = attributeName(node["functions"], errors);
    m.classes = attributeName(node["classes"], errors);
    m.children = attributeName(node["children"], errors);
    m.groupAttribute = attributeName(node["group_attribute"], errors);
    for (const auto& item : node["attributes"].asStringList(errors))
        addUnique(m.extraAttributes, item);

    const auto& groups = node["group_profiles"];
    if (groups.present()) {
        if (!groups.isMap()) {
            errors.add(groups, "expected a map of group DN to SDET profile code");
        } else {
            for (const auto& [dn, profile] : groups.entries()) {
                auto code = profile.requiredString(errors);
                if (dn.find('=') == std::string::npos)
                    errors.add(profile,
                               "expected a group DN such as \"cn=periscolaire,ou=groupes,"
                               "dc=mairie-demo,dc=fr\" as the key");
                else if (!code.empty())
                    m.groupProfiles.emplace_back(normalizeDn(dn), code);
            }
        }
        if (m.groupAttribute.empty())
            errors.add(groups,
                       "group_profiles needs group_attribute (e.g. memberOf) to say where "
                       "the groups are");
    }
    m.fixedProfile = node["profile"].asString(errors);
    const auto& structure = node["structure"];
    m.fixedStructure = structure.asString(errors);
    if (!m.fixedStructure.empty() && !isUai(m.fixedStructure))
        errors.add(structure, "expected a UAI (7 digits and a letter, e.g. 0690001A)");
    return m;
}

std::vector<std::string> AttributeMapping::attributeNames() const {
    std::vector<std::string> names;
    for (const auto* n : {&subject, &login, &displayName, &givenName, &familyName, &email,
                          &profiles, &structures, &functions, &classes, &children, &groupAttribute})
        addUnique(names, *n);
    for (const auto& n : extraAttributes) addUnique(names, n);
    return names;
}

core::Identity AttributeMapping::map(const core::AttributeSet& raw) const {
    core::Identity id;
    id.login = firstOf(raw, login);
    id.subject = firstOf(raw, subject);
    if (id.subject.empty()) id.subject = id.login;
    id.givenName = firstOf(raw, givenName);
    id.familyName = firstOf(raw, familyName);
    id.email = firstOf(raw, email);
    id.displayName = firstOf(raw, displayName);
    if (id.displayName.empty()) id.displayName = trim(id.givenName + " " + id.familyName);

    for (const auto& v : valuesOf(raw, structures)) addUnique(id.structures, trim(v));
    addUnique(id.structures, fixedStructure);

    std::vector<std::string> codes;
    for (const auto& v : valuesOf(raw, profiles)) addUnique(codes, trim(v));
    for (const auto& group : valuesOf(raw, groupAttribute)) {
        auto dn = normalizeDn(group);
        for (const auto& [groupDn, code] : groupProfiles)
            if (groupDn == dn) addUnique(codes, code);
    }
    addUnique(codes, fixedProfile);
    id.profiles = pairProfiles(codes, id.structures);

    for (const auto& v : valuesOf(raw, functions)) addUnique(id.functions, functionCode(trim(v)));
    for (const auto& v : valuesOf(raw, classes)) addUnique(id.classes, trim(v));
    for (const auto& v : valuesOf(raw, children)) addUnique(id.children, firstRdnValue(trim(v)));

    for (const auto& name : attributeNames())
        if (const auto* found = findAttribute(raw, name))
            id.attributes.set(found->first, found->second);
    return id;
}

std::vector<core::ProfileAssignment> pairProfiles(const std::vector<std::string>& profiles,
                                                  const std::vector<std::string>& structures) {
    std::vector<core::ProfileAssignment> out;
    for (const auto& code : profiles) {
        if (structures.empty()) {
            out.push_back({code, ""});
            continue;
        }
        for (const auto& uai : structures) out.push_back({code, uai});
    }
    return out;
}

std::string functionCode(const std::string& value) {
    auto first = value.find('$');
    if (first == std::string::npos) return value;
    auto second = value.find('$', first + 1);
    return value.substr(first + 1,
                        second == std::string::npos ? std::string::npos : second - first - 1);
}

std::string normalizeDn(const std::string& dn) {
    std::string out;
    out.reserve(dn.size());
    for (std::size_t i = 0; i < dn.size(); ++i) {
        char c = dn[i];
        if (c == '\\' && i + 1 < dn.size()) {  // an escaped character is part of a value
            out += c;
            out += dn[++i];
            continue;
        }
        if (c == ' ') {
            // Spaces next to a separator are not significant (RFC 4514 §3 accepts them on input).
            char prev = out.empty() ? ',' : out.back();
            std::size_t next = dn.find_first_not_of(' ', i);
            char after = next == std::string::npos ? ',' : dn[next];
            if (prev == ',' || prev == '=' || prev == '+' || after == ',' || after == '=' ||
                after == '+')
                continue;
        }
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string firstRdnValue(const std::string& value) {
    std::size_t end = value.size();
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\') {
            ++i;
            continue;
        }
        if (value[i] == ',' || value[i] == '+') {
            end = i;
            break;
        }
    }
    auto eq = value.find('=');
    if (eq == std::string::npos || eq >= end) return value;
    return trim(value.substr(eq + 1, end - eq - 1));
}

std::string printableValue(const std::string& value) {
    bool printable =
        core::isValidUtf8(value) && std::none_of(value.begin(), value.end(), [](char c) {
            auto u = static_cast<unsigned char>(c);
            return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
        });
    if (printable) return value;
    static const char* hex = "0123456789abcdef";
    auto byte = [&](std::size_t i) {
        auto u = static_cast<unsigned char>(value[i]);
        return std::string{hex[u >> 4], hex[u & 0xf]};
    };
    std::string out;
    if (value.size() == 16) {
        // objectGUID: Data1 (4 bytes), Data2, Data3 (2 bytes) little-endian, then 8 bytes in order.
        for (int i : {3, 2, 1, 0}) out += byte(i);
        out += '-';
        for (int i : {5, 4}) out += byte(i);
        out += '-';
        for (int i : {7, 6}) out += byte(i);
        out += '-';
        for (int i : {8, 9}) out += byte(i);
        out += '-';
        for (int i = 10; i < 16; ++i) out += byte(i);
        return out;
    }
    out = "0x";
    for (std::size_t i = 0; i < value.size(); ++i) out += byte(i);
    return out;
}

}  // namespace sesame::mapping
