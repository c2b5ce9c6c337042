#include "gateway/core/identity.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace sesame::core {

std::vector<AttributeSet::Entry>::iterator AttributeSet::lowerBound(std::string_view name) {
    // Names usually come in order (a serialized set, a sorted release): appending is the
    // common case, checked first.
    if (entries_.empty() || entries_.back().first < name) return entries_.end();
    return std::lower_bound(entries_.begin(), entries_.end(), name,
                            [](const Entry& e, std::string_view n) { return e.first < n; });
}

void AttributeSet::add(const std::string& name, std::string value) {
    auto it = lowerBound(name);
    if (it == entries_.end() || it->first != name) it = entries_.insert(it, Entry{name, {}});
    it->second.push_back(std::move(value));
}

void AttributeSet::set(std::string name, std::vector<std::string> values) {
    auto it = lowerBound(name);
    bool present = it != entries_.end() && it->first == name;
    if (values.empty()) {
        if (present) entries_.erase(it);
    } else if (present) {
        it->second = std::move(values);
    } else {
        entries_.insert(it, Entry{std::move(name), std::move(values)});
    }
}

const AttributeSet::Entry* AttributeSet::find(std::string_view name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const Entry& e, std::string_view n) { return e.first < n; });
    return it != entries_.end() && it->first == name ? &*it : nullptr;
}

const std::vector<std::string>& AttributeSet::values(const std::string& name) const {
    static const std::vector<std::string> none;
    const Entry* e = find(name);
    return e ? e->second : none;
}

std::optional<std::string> AttributeSet::first(const std::string& name) const {
    const auto& v = values(name);
    if (v.empty()) return std::nullopt;
    return v.front();
}

bool AttributeSet::has(const std::string& name) const {
    return find(name) != nullptr;
}

const ProfileAssignment* Identity::active() const {
    if (activeProfile < profiles.size()) return &profiles[activeProfile];
    return nullptr;
}

bool Identity::hasProfile(const std::string& sdetCode) const {
    return std::any_of(profiles.begin(), profiles.end(),
                       [&](const ProfileAssignment& p) { return p.profile == sdetCode; });
}

namespace {
boost::json::array toArray(const std::vector<std::string>& values) {
    boost::json::array a;
    for (const auto& v : values) a.emplace_back(v);
    return a;
}

std::string str(const boost::json::object& o, const char* key) {
    auto* v = o.if_contains(key);
    if (v && v->is_string()) return std::string(v->as_string());
    return {};
}

std::vector<std::string> strings(const boost::json::object& o, const char* key) {
    std::vector<std::string> out;
    auto* v = o.if_contains(key);
    if (v && v->is_array())
        for (const auto& e : v->as_array())
            if (e.is_string()) out.emplace_back(e.as_string());
    return out;
}

std::int64_t integer(const boost::json::object& o, const char* key, std::int64_t fallback) {
    auto* v = o.if_contains(key);
    if (v && v->is_int64()) return v->as_int64();
    return fallback;
}
}  // namespace

boost::json::value toJson(const Identity& id) {
    boost::json::array profiles;
    for (const auto& p : id.profiles) profiles.push_back({{"profile", p.profile}, {"uai", p.uai}});
    boost::json::object attrs;
    for (const auto& [name, values] : id.attributes.all()) attrs[name] = toArray(values);
    return boost::json::object{
        {"sub", id.subject},
        {"dir", id.directory},
        {"login", id.login},
        {"displayName", id.displayName},
        {"givenName", id.givenName},
        {"familyName", id.familyName},
        {"email", id.email},
        {"profiles", std::move(profiles)},
        {"activeProfile", static_cast<std::int64_t>(id.activeProfile)},
        {"structures", toArray(id.structures)},
        {"functions", toArray(id.functions)},
        {"classes", toArray(id.classes)},
        {"children", toArray(id.children)},
        {"authMethod", id.authMethod},
        {"assurance", id.assurance},
        {"authTime", id.authTime},
        {"habilitation", id.habilitation},
        {"habilitationRank", id.habilitationRank},
        {"attributes", std::move(attrs)},
    };
}

Result<Identity> identityFromJson(const boost::json::value& value) {
    if (!value.is_object()) return Errc::invalid_argument;
    const auto& o = value.as_object();
    Identity id;
    id.subject = str(o, "sub");
    if (id.subject.empty()) return Errc::invalid_argument;
    id.directory = str(o, "dir");
    id.login = str(o, "login");
    id.displayName = str(o, "displayName");
    id.givenName = str(o, "givenName");
    id.familyName = str(o, "familyName");
    id.email = str(o, "email");
    if (auto* p = o.if_contains("profiles"); p && p->is_array()) {
        for (const auto& e : p->as_array()) {
            if (!e.is_object()) continue;
            id.profiles.push_back({str(e.as_object(), "profile"), str(e.as_object(), "uai")});
        }
    }
    id.activeProfile = static_cast<std::size_t>(integer(o, "activeProfile", 0));
    id.structures = strings(o, "structures");
    id.functions = strings(o, "functions");
    id.classes = strings(o, "classes");
    id.children = strings(o, "children");
    id.authMethod = str(o, "authMethod");
    id.assurance = str(o, "assurance");
    id.authTime = integer(o, "authTime", 0);
    id.habilitation = str(o, "habilitation");
    id.habilitationRank = static_cast<int>(integer(o, "habilitationRank", -1));
    if (auto* a = o.if_contains("attributes"); a && a->is_object()) {
        for (const auto& [name, values] : a->as_object()) {
            std::vector<std::string> vs;
            if (values.is_array())
                for (const auto& v : values.as_array())
                    if (v.is_string()) vs.emplace_back(v.as_string());
            id.attributes.set(std::string(name), std::move(vs));
        }
    }
    return id;
}

}  // namespace sesame::core
