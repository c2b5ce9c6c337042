// The service registry: etc/services/*.yml compiled once (patterns included), then matched per
// request. Exact matching: a pattern must match the whole URL (CAS 3.0 §2.2.1 leaves service
// matching to the server; a prefix match would let an attacker's URL share a registered prefix).
#include <re2/re2.h>

#include <algorithm>
#include <map>

#include "policies/config_values.hpp"
#include "policies/policy.hpp"

namespace sesame::policies {
namespace {

// Beyond this, no URL is matched: a CAS service URL or pgtUrl this long is not a real one, and
// HTTP header limits keep request URLs shorter anyway. RE2 runs in linear time without recursion
// (std::regex recursed per character: a 40 kB pgtUrl overflowed the stack), so this is a bound
// on input, not a guard for the engine.
constexpr std::size_t kMaxUrlLength = 4096;

const std::vector<std::string>& serviceKeys() {
    static const std::vector<std::string> keys{"id",
                                               "name",
                                               "protocol",
                                               "url_pattern",
                                               "allowed_profiles",
                                               "allowed_structures",
                                               "allowed_directories",
                                               "minimum_level",
                                               "minimum_assurance",
                                               "access",
                                               "user_attribute",
                                               "release",
                                               "single_logout",
                                               "evaluation_order"};
    return keys;
}

std::vector<std::string> protocolNames(const std::vector<ProtocolSchema>& protocols) {
    std::vector<std::string> names;
    for (const auto& p : protocols) names.push_back(p.protocol);
    return names;
}

bool validId(const std::string& id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

std::shared_ptr<const re2::RE2> compilePattern(const core::ConfigNode& node,
                                               const std::string& pattern,
                                               core::ConfigErrors& errors) {
    std::string error;
    auto compiled = compileServicePattern(pattern, &error);
    if (!compiled)
        errors.add(node,
                   "invalid regular expression (RE2 syntax, see docs/habilitation.md): " + error);
    return compiled;
}

std::string parseSource(const core::ConfigNode& node, core::ConfigErrors& errors) {
    auto source = node.asString(errors);
    if (node.isScalar() && !isKnownSource(source))
        errors.add(node, "unknown attribute source '" + source + "' (expected one of: " +
                             joined(knownSources()) + ", attr:<name> or value:<constant>)");
    return source;
}

void parseRelease(const core::ConfigNode& node, Service& s, core::ConfigErrors& errors) {
    if (!node.present()) return;
    if (!node.isMap()) {
        errors.add(node, "expected a map of released name -> source, e.g. { mail: email }");
        return;
    }
    for (const auto& [name, source] : node.entries())
        s.release.push_back({name, parseSource(source, errors)});
}

void parseUrls(const core::ConfigNode& node, Service& s, const ProtocolSchema* schema,
               core::ConfigErrors& errors) {
    if (schema && !schema->identifierKey.empty()) {
        // An exact identifier (an OIDC client_id): matched as it is, never as a pattern.
        const auto& key = schema->identifierKey;
        if (node["url_pattern"].present())
            errors.add(node["url_pattern"],
                       "a " + s.protocol + " service is named by " + key + ", not url_pattern");
        auto identifier = node[key].requiredString(errors);
        if (!identifier.empty()) {
            s.urlPattern = re2::RE2::QuoteMeta(identifier);
            s.compiledPattern = compileServicePattern(s.urlPattern);
        }
    } else {
        s.urlPattern = node["url_pattern"].requiredString(errors);
        if (!s.urlPattern.empty())
            s.compiledPattern = compilePattern(node["url_pattern"], s.urlPattern, errors);
    }
    s.singleLogout = node["single_logout"].asBool(errors, true);
}

void parseRequirements(const core::ConfigNode& node, Service& s, const Ladder& levels,
                       const Ladder& assurance, core::ConfigErrors& errors) {
    if (node["allowed_profiles"].present())
        s.allowedProfiles = parseProfiles(node["allowed_profiles"], errors);
    if (node["allowed_structures"].present())
        s.allowedStructures = parseValues(node["allowed_structures"], errors);
    if (node["allowed_directories"].present())
        s.allowedDirectories = parseValues(node["allowed_directories"], errors);
    if (node["minimum_level"].present()) {
        s.minimumLevel = node["minimum_level"].asString(errors);
        s.minimumLevelRank = parseRank(node["minimum_level"], levels, "habilitation level", errors);
    }
    if (node["minimum_assurance"].present()) {
        s.minimumAssurance = node["minimum_assurance"].asString(errors);
        s.minimumAssuranceRank =
            parseRank(node["minimum_assurance"], assurance, "assurance level", errors);
    }
    if (node["access"].present())
        s.access = parseRule(node["access"], RuleScope{levels, assurance, true}, errors);
}

Service parseService(const core::ConfigNode& node, const Ladder& levels, const Ladder& assurance,
                     const std::vector<ProtocolSchema>& protocols, core::ConfigErrors& errors) {
    Service s;
    s.file = node.file();
    s.line = node.line();
    s.protocol = node["protocol"].requiredString(errors);
    auto schema = std::find_if(protocols.begin(), protocols.end(),
                               [&](const ProtocolSchema& p) { return p.protocol == s.protocol; });
    auto keys = serviceKeys();
    if (schema != protocols.end())
        keys.insert(keys.end(), schema->keys.begin(), schema->keys.end());
    node.checkKeys(errors, keys);
    s.id = node["id"].requiredString(errors);
    if (!s.id.empty() && !validId(s.id))
        errors.add(node["id"], "expected letters, digits, '-', '_' or '.' only");
    s.name = node["name"].asString(errors, s.id);
    if (!s.protocol.empty() && schema == protocols.end())
        errors.add(node["protocol"], "unknown protocol '" + s.protocol + "' (expected one of: " +
                                         joined(protocolNames(protocols)) + ")");
    if (schema != protocols.end() && schema->parse) s.settings = schema->parse(node, errors);
    parseUrls(node, s, schema != protocols.end() ? &*schema : nullptr, errors);
    parseRequirements(node, s, levels, assurance, errors);
    if (node["user_attribute"].present())
        s.userAttribute = parseSource(node["user_attribute"], errors);
    parseRelease(node["release"], s, errors);
    s.evaluationOrder =
        static_cast<int>(node["evaluation_order"].asInt(errors, 0, -1000000, 1000000));
    return s;
}

// One file: a map with a "services" list, or one service map. An empty file holds no service.
std::vector<const core::ConfigNode*> serviceNodes(const core::ConfigNode& file,
                                                  core::ConfigErrors& errors) {
    std::vector<const core::ConfigNode*> out;
    if (!file.present()) return out;
    if (file.isMap() && file["services"].present()) {
        file.checkKeys(errors, {"services"});
        const auto& list = file["services"];
        if (!list.isSequence()) {
            errors.add(list, "expected a list of services");
            return out;
        }
        for (const auto& item : list.items()) {
            if (item.isMap())
                out.push_back(&item);
            else
                errors.add(item, "expected a service (a map with id, protocol, url_pattern...)");
        }
    } else if (file.isMap()) {
        out.push_back(&file);
    } else {
        errors.add(file, "expected a service map, or a map with a 'services' list");
    }
    return out;
}

}  // namespace

// RE2, not std::regex: matching time is linear in the URL's length whatever the pattern, so no
// configured pattern can make a request slow. What only a backtracking engine runs
// (backreferences, lookaround) is refused at load, with the file, line and key.
std::shared_ptr<const re2::RE2> compileServicePattern(const std::string& pattern,
                                                      std::string* error) {
    re2::RE2::Options options;
    options.set_log_errors(false);  // said once, by the caller
    auto compiled = std::make_shared<const re2::RE2>(pattern, options);
    if (compiled->ok()) return compiled;
    if (error) *error = compiled->error();
    return nullptr;
}

// FullMatch: the pattern must match the whole URL, as std::regex_match did (^ and $ in a
// pattern stay harmless).
bool Service::acceptsUrl(const std::string& url) const {
    return compiledPattern && url.size() <= kMaxUrlLength &&
           re2::RE2::FullMatch(url, *compiledPattern);
}

bool UrlPattern::matches(const std::string& url) const {
    return compiled && url.size() <= kMaxUrlLength && re2::RE2::FullMatch(url, *compiled);
}

UrlPattern UrlPattern::parse(const core::ConfigNode& node, core::ConfigErrors& errors) {
    UrlPattern p;
    p.text = node.asString(errors);
    if (!p.text.empty()) p.compiled = compilePattern(node, p.text, errors);
    return p;
}

ServiceRegistry ServiceRegistry::parse(const std::vector<core::ConfigNode>& files,
                                       const Ladder& levels, const Ladder& assurance,
                                       const std::vector<ProtocolSchema>& protocols,
                                       core::ConfigErrors& errors) {
    ServiceRegistry registry;
    std::map<std::string, std::string> seen;  // id -> where it was first defined
    std::vector<Service> parsed;
    for (const auto& file : files)
        for (const auto* node : serviceNodes(file, errors)) {
            auto s = parseService(*node, levels, assurance, protocols, errors);
            auto where = s.file + ":" + std::to_string(s.line);
            if (!s.id.empty() && !seen.emplace(s.id, where).second)
                errors.add((*node)["id"], "duplicate service id '" + s.id + "' (first defined at " +
                                              seen[s.id] + ")");
            parsed.push_back(std::move(s));
        }
    std::stable_sort(parsed.begin(), parsed.end(), [](const Service& a, const Service& b) {
        return a.evaluationOrder < b.evaluationOrder;
    });
    registry.services_ = std::move(parsed);
    return registry;
}

const Service* ServiceRegistry::find(const std::string& protocol, const std::string& url) const {
    for (const auto& s : services_)
        if (s.protocol == protocol && s.acceptsUrl(url)) return &s;
    return nullptr;
}

const Service* ServiceRegistry::byId(const std::string& id) const {
    for (const auto& s : services_)
        if (s.id == id) return &s;
    return nullptr;
}

}  // namespace sesame::policies
