#include "protocols/saml/saml_config.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/core/secret_file.hpp"
#include "gateway/xml/saml_names.hpp"

namespace sesame::saml {
namespace {
namespace fs = std::filesystem;
namespace names = xml::saml;
const core::Logger log{"saml"};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A private key or secret that group or others may read is refused.
void checkSecretMode(const core::ConfigNode& node, const std::string& path,
                     core::ConfigErrors& errors) {
    if (auto problem = core::secretModeProblem(path); !problem.empty()) errors.add(node, problem);
}

std::optional<xml::SigningKey> keyPair(const core::ConfigNode& section, const char* keyName,
                                       const char* certificateName, const std::string& keyFallback,
                                       const std::string& certificateFallback,
                                       const std::string& commonName, core::ConfigErrors& errors) {
    auto keyPath = section[keyName].asPath(errors, keyFallback);
    auto certificatePath = section[certificateName].asPath(errors, certificateFallback);
    std::error_code ec;
    fs::create_directories(fs::path(keyPath).parent_path(), ec);
    auto key = xml::generateSigningKeyIfAbsent(keyPath, certificatePath, commonName);
    if (!key) {
        errors.add(section[keyName], keyPath + ": " + key.error().message());
        return std::nullopt;
    }
    checkSecretMode(section[keyName], keyPath, errors);
    return *key;
}

// "persistent" or the full URI.
std::string nameIdFormatUri(const std::string& name) {
    if (name == "persistent") return std::string(names::nameid::persistent);
    if (name == "transient") return std::string(names::nameid::transient);
    if (name == "email" || name == "emailAddress") return std::string(names::nameid::emailAddress);
    if (name == "unspecified") return std::string(names::nameid::unspecified);
    if (name == names::nameid::persistent || name == names::nameid::transient ||
        name == names::nameid::emailAddress || name == names::nameid::unspecified)
        return name;
    return {};
}

// Every metadata file the service names: `metadata: { files: [...], directory: ... }`. A file
// that cannot be read is a configuration error; an entity that cannot be used is skipped (a
// federation aggregate must not lose every SP for one bad entry) and logged.
std::shared_ptr<const SpCatalog> loadCatalog(const core::ConfigNode& node,
                                             core::ConfigErrors& errors) {
    auto catalog = std::make_shared<SpCatalog>();
    if (!node.present()) return catalog;
    node.checkKeys(
        errors, {"files", "directory", "url", "certificate", "refresh", "cache", "max_megabytes"});
    std::vector<std::string> files;
    for (const auto& f : node["files"].asStringList(errors)) files.push_back(node.resolvePath(f));
    if (node["directory"].present()) {
        auto dir = node["directory"].asPath(errors);
        std::error_code ec;
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".xml") found.push_back(entry.path().string());
        if (ec) errors.add(node["directory"], dir + ": " + ec.message());
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    for (const auto& file : files) {
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) {
            errors.add(node, file + ": no such metadata file");
            continue;
        }
        auto read = xml::readSpMetadata(readFile(file));
        if (!read) {
            errors.add(node, file + ": " + read.error().message());
            continue;
        }
        for (auto& e : read->errors) {
            log.warning("metadata_entity_skipped",
                        {{"file", file}, {"entity", e.entityId}, {"reason", e.reason}});
            catalog->errors.push_back(std::move(e));
        }
        for (auto& sp : read->serviceProviders) {
            auto id = sp.entityId;
            if (!catalog->providers.emplace(id, std::move(sp)).second)
                log.warning("metadata_entity_duplicate", {{"file", file}, {"entity", id}});
        }
    }
    return catalog;
}

// `metadata: { url, certificate, refresh, cache, max_megabytes }`: the feed of a service, its
// cache read now (never the network: check-config runs this too; `serve` fetches).
std::shared_ptr<MetadataFeed> loadFeed(const core::ConfigNode& service,
                                       std::shared_ptr<const SpCatalog> local,
                                       core::ConfigErrors& errors) {
    const auto& node = service["metadata"];
    if (!node["url"].present()) {
        for (const char* key : {"certificate", "refresh", "cache", "max_megabytes"})
            if (node[key].present()) errors.add(node[key], "only with metadata.url");
        return nullptr;
    }
    auto before = errors.all().size();
    FeedSource source;
    source.serviceId = service["id"].asString(errors);
    source.url = node["url"].asString(errors);
    // TLS as well as the signature: a federation outage must not become a downgrade.
    if (!source.url.starts_with("https://")) errors.add(node["url"], "expected an https:// URL");
    if (!node["certificate"].present()) {
        errors.add(node,
                   "metadata.url needs metadata.certificate (the PEM certificate the "
                   "metadata is signed with)");
    } else {
        auto path = node["certificate"].asPath(errors);
        auto certificate = xml::Certificate::fromPemFile(path);
        if (!certificate)
            errors.add(node["certificate"], path + ": " + certificate.error().message());
        else
            source.trusted.push_back(*certificate);
    }
    source.refresh = node["refresh"].asDuration(errors, source.refresh, std::chrono::seconds(1),
                                                std::chrono::seconds(30 * 86400));
    source.maxBytes =
        static_cast<std::size_t>(node["max_megabytes"].asInt(errors, 64, 1, 1024)) * 1024 * 1024;
    // Beside the IdP's keys by default (etc/saml/ when the services are in etc/services/).
    bool plainId = !source.serviceId.empty() &&
                   source.serviceId.find_first_of("/\\") == std::string::npos &&
                   source.serviceId != "." && source.serviceId != "..";
    if (node["cache"].present() || plainId)
        source.cacheFile =
            node["cache"].asPath(errors, "../saml/metadata-cache/" + source.serviceId + ".xml");
    if (errors.all().size() != before) return nullptr;
    auto feed = std::make_shared<MetadataFeed>(std::move(source), std::move(local));
    feed->loadCache(std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count());
    return feed;
}

}  // namespace

const xml::ServiceProvider* SpCatalog::find(std::string_view entityId) const {
    auto it = providers.find(entityId);
    return it == providers.end() ? nullptr : &it->second;
}

SamlConfig SamlConfig::parse(const core::ConfigNode& section, std::string publicUrl,
                             core::ConfigErrors& errors) {
    using std::chrono::seconds;
    SamlConfig c;
    c.publicUrl = std::move(publicUrl);
    c.entityId = c.publicUrl + "/saml/metadata";
    if (section.present() && !section.isMap()) {
        errors.add(section, "expected a map of SAML identity provider settings");
        return c;
    }
    section.checkKeys(
        errors, {"entity_id", "signing_key", "signing_certificate", "next_signing_certificates",
                 "encryption_key", "encryption_certificate", "name_id_secret", "assertion_lifetime",
                 "clock_skew", "request_lifetime", "sign_metadata", "metadata_validity",
                 "want_authn_requests_signed"});
    c.entityId = section["entity_id"].asString(errors, c.entityId);
    // Keys live next to the configuration by default (etc/saml/), never in the repository.
    c.signingKey = keyPair(section, "signing_key", "signing_certificate", "saml/idp-signing.key",
                           "saml/idp-signing.crt", "Sesame SAML IdP signing", errors);
    c.encryptionKey =
        keyPair(section, "encryption_key", "encryption_certificate", "saml/idp-encryption.key",
                "saml/idp-encryption.crt", "Sesame SAML IdP encryption", errors);
    for (const auto& path : section["next_signing_certificates"].asStringList(errors)) {
        auto resolved = section["next_signing_certificates"].resolvePath(path);
        auto certificate = xml::Certificate::fromPemFile(resolved);
        if (!certificate)
            errors.add(section["next_signing_certificates"],
                       resolved + ": " + certificate.error().message());
        else
            c.nextSigningCertificates.push_back(certificate->base64Der());
    }
    std::string problem;
    auto secretPath = section["name_id_secret"].asPath(errors, "saml/name-id.secret");
    c.nameIdSecret = core::loadOrCreateSecret(secretPath, problem);
    if (!problem.empty()) errors.add(section["name_id_secret"], secretPath + ": " + problem);
    checkSecretMode(section["name_id_secret"], secretPath, errors);
    c.assertionLifetime = section["assertion_lifetime"].asDuration(errors, c.assertionLifetime,
                                                                   seconds(10), seconds(3600));
    c.clockSkew = section["clock_skew"].asDuration(errors, c.clockSkew, seconds(0), seconds(600));
    c.requestLifetime = section["request_lifetime"].asDuration(errors, c.requestLifetime,
                                                               seconds(30), seconds(3600));
    c.signMetadata = section["sign_metadata"].asBool(errors, c.signMetadata);
    c.metadataValidity = section["metadata_validity"].asDuration(
        errors, c.metadataValidity, seconds(3600), seconds(365 * 86400));
    c.wantAuthnRequestsSigned =
        section["want_authn_requests_signed"].asBool(errors, c.wantAuthnRequestsSigned);
    // The scope of subject-id and pairwise-id: the ENT's domain, by default the public URL's host.
    auto host = c.publicUrl.substr(
        c.publicUrl.find("://") == std::string::npos ? 0 : c.publicUrl.find("://") + 3);
    host = host.substr(0, host.find_first_of(":/"));
    c.scope = section["scope"].asString(errors, host);
    if (c.scope.empty() || c.scope.size() > 127 ||
        c.scope.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos)
        errors.add(
            section["scope"],
            "expected a domain in lower case (letters, digits, '.', '-'), e.g. ent.example.fr");
    return c;
}

policies::ProtocolSchema samlServiceSchema() {
    return {"saml",
            {"metadata", "name_id_formats", "sign", "encrypt", "encryption_cipher",
             "attribute_name_format", "require_signed_requests", "idp_initiated",
             "identifier_attributes"},
            [](const core::ConfigNode& node, core::ConfigErrors& errors) {
                auto s = std::make_shared<SamlServiceSettings>();
                s->catalog = loadCatalog(node["metadata"], errors);
                s->feed = loadFeed(node, s->catalog, errors);
                auto formats = node["name_id_formats"].present()
                                   ? node["name_id_formats"].asStringList(errors)
                                   : std::vector<std::string>{"persistent", "transient"};
                for (const auto& f : formats) {
                    auto uri = nameIdFormatUri(f);
                    if (uri.empty())
                        errors.add(node["name_id_formats"],
                                   "unknown NameID format '" + f +
                                       "' (expected persistent, transient, emailAddress or "
                                       "unspecified)");
                    else
                        s->nameIdFormats.push_back(uri);
                }
                auto sign = node["sign"].asString(errors, "assertion");
                if (sign == "assertion")
                    s->sign = SignedParts::assertion;
                else if (sign == "response")
                    s->sign = SignedParts::response;
                else if (sign == "both")
                    s->sign = SignedParts::both;
                else
                    errors.add(node["sign"], "expected assertion, response or both");
                auto encrypt = node["encrypt"].asString(errors, "auto");
                if (encrypt == "auto")
                    s->encrypt = Encryption::automatic;
                else if (encrypt == "always")
                    s->encrypt = Encryption::always;
                else if (encrypt == "never")
                    s->encrypt = Encryption::never;
                else
                    errors.add(node["encrypt"], "expected auto, always or never");
                if (node["encryption_cipher"].present()) {
                    auto cipher = node["encryption_cipher"].asString(errors);
                    if (cipher == "aes256-gcm")
                        s->cipher = xml::DataCipher::aes256Gcm;
                    else if (cipher == "aes128-cbc")
                        s->cipher = xml::DataCipher::aes128Cbc;
                    else if (cipher == "aes256-cbc")
                        s->cipher = xml::DataCipher::aes256Cbc;
                    else
                        errors.add(node["encryption_cipher"],
                                   "expected aes256-gcm, aes128-cbc or aes256-cbc");
                }
                auto format = node["attribute_name_format"].asString(errors, "basic");
                if (format == "basic")
                    s->attributeNameFormat = std::string(names::attrname::basic);
                else if (format == "uri")
                    s->attributeNameFormat = std::string(names::attrname::uri);
                else
                    errors.add(node["attribute_name_format"], "expected basic or uri");
                s->requireSignedRequests = node["require_signed_requests"].asBool(errors, false);
                s->idpInitiated = node["idp_initiated"].asBool(errors, false);
                // "always" promises encryption: an SP that publishes no key cannot get any.
                if (s->encrypt == Encryption::always && s->catalog)
                    for (const auto& [entityId, sp] : s->catalog->providers)
                        if (sp.certificates(xml::KeyUse::encryption).empty())
                            errors.add(node["encrypt"],
                                       "encrypt: always, but " + entityId +
                                           " publishes no encryption certificate in its metadata");
                for (const auto& id : node["identifier_attributes"].asStringList(errors)) {
                    if (id == "subject-id")
                        s->subjectIdAttribute = true;
                    else if (id == "pairwise-id")
                        s->pairwiseIdAttribute = true;
                    else
                        errors.add(node["identifier_attributes"],
                                   "unknown identifier attribute '" + id +
                                       "' (expected subject-id or pairwise-id)");
                }
                return std::shared_ptr<const policies::ProtocolSettings>(std::move(s));
            }};
}

std::vector<std::shared_ptr<MetadataFeed>> metadataFeeds(
    const policies::ServiceRegistry& registry) {
    std::vector<std::shared_ptr<MetadataFeed>> feeds;
    for (const auto& service : registry.all())
        if (const auto* settings = service.settingsAs<SamlServiceSettings>())
            if (settings->feed) feeds.push_back(settings->feed);
    return feeds;
}

}  // namespace sesame::saml
