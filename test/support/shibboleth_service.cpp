#include <cstdlib>
#include <fstream>
#include <iterator>

#include "test/support/apache_httpd.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/saml_sp_apache.hpp"

namespace sesame::testing {
namespace {

constexpr const char* basicFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
constexpr const char* uriFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
constexpr const char* unspecifiedFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";

std::string shibdBinary(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* env = std::getenv("SESAME_SHIBD");
    return env && *env ? env : "/usr/sbin/shibd";
}

// Sesame's attributes as an ENT vendor's SP maps them: the SDET and GAR names (whatever
// NameFormat the registry gives them: basic, uri or none) under their own name, the usual
// LDAP/eduPerson OIDs under their usual ids.
std::vector<ShibbolethAttribute> sesameAttributes() {
    std::vector<ShibbolethAttribute> out;
    for (const char* name : {"ENTPersonProfils",
                             "ENTPersonStructRattach",
                             "ENTPersonStructRattachRNE",
                             "ENTPersonUid",
                             "ENTPersonLogin",
                             "ENTPersonJointure",
                             "ENTPersonFonctions",
                             "ENTPersonNomPatro",
                             "ENTPersonAutresPrenoms",
                             "ENTPersonDateNaissance",
                             "ENTPersonIdentifiant",
                             "ENTEleveClasses",
                             "ENTEleveNivFormation",
                             "ENTEleveStructRattachId",
                             "ENTElevePersRelEleve",
                             "ENTEleveAutoriteParentale",
                             "ENTAuxEnsClasses",
                             "ENTAuxEnsClassesMatieres",
                             "idEnt",
                             "GARPersonIdentifiant",
                             "habilitationLevel",
                             "displayName",
                             "givenName",
                             "sn",
                             "mail",
                             "uid"}) {
        for (const char* format : {basicFormat, uriFormat, unspecifiedFormat})
            out.push_back({name, name, format});
    }
    const std::pair<const char*, const char*> oids[] = {
        {"urn:oid:0.9.2342.19200300.100.1.1", "oid-uid"},
        {"urn:oid:0.9.2342.19200300.100.1.3", "oid-mail"},
        {"urn:oid:2.16.840.1.113730.3.1.241", "oid-displayName"},
        {"urn:oid:2.5.4.42", "oid-givenName"},
        {"urn:oid:2.5.4.4", "oid-sn"},
        {"urn:oid:2.5.4.3", "oid-cn"},
        {"urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eppn"},
        {"urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "affiliation"},
        {"urn:oid:1.3.6.1.4.1.5923.1.1.1.9", "scoped-affiliation"},
        {"urn:oid:1.3.6.1.4.1.5923.1.1.1.7", "entitlement"},
        {"urn:oasis:names:tc:SAML:attribute:subject-id", "subject-id"},
        {"urn:oasis:names:tc:SAML:attribute:pairwise-id", "pairwise-id"}};
    for (const auto& [name, id] : oids) out.push_back({name, id, uriFormat});
    return out;
}

// The NameID of the assertion's Subject, one id per format ("<format>-nameid").
const char* nameIdFormats[] = {"transient", "persistent", "emailAddress", "unspecified"};

std::string nameIdFormatUri(std::string_view format) {
    const std::string prefix = format == "emailAddress" || format == "unspecified"
                                   ? "urn:oasis:names:tc:SAML:1.1:nameid-format:"
                                   : "urn:oasis:names:tc:SAML:2.0:nameid-format:";
    return prefix + std::string(format);
}

// The entityID of the (first) EntityDescriptor of a metadata file.
std::string entityIdOf(const std::string& metadata) {
    const auto descriptor = metadata.find("EntityDescriptor");
    const auto at = metadata.find("entityID=\"", descriptor);
    if (descriptor == std::string::npos || at == std::string::npos)
        throw HarnessError("no EntityDescriptor entityID in the IdP metadata");
    const auto from = at + 10;
    return metadata.substr(from, metadata.find('"', from) - from);
}

std::string logger(const std::filesystem::path& file, bool debug) {
    return "log4j.rootCategory=" + std::string(debug ? "DEBUG" : "INFO") +
           ", file\n"
           "log4j.category.XMLTooling.XMLObject=WARN\n"
           "log4j.category.XMLTooling.XMLObjectBuilder=WARN\n"
           "log4j.category.Shibboleth.PropertySet=WARN\n"
           // One line per mapped attribute at INFO: hundreds, which would hide the tail.
           "log4j.category.Shibboleth.AttributeExtractor=WARN\n"
           "log4j.appender.file=org.apache.log4j.FileAppender\n"
           "log4j.appender.file.fileName=" +
           file.string() +
           "\n"
           "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
           "log4j.appender.file.layout.ConversionPattern=%d{%Y-%m-%d %H:%M:%S} %p %c %x: %m%n\n";
}

std::vector<std::pair<std::string, std::string>> shibbolethEnv(const std::filesystem::path& root) {
    // Where shibd and mod_shib put what their configuration does not name: ours, not
    // /run/shibboleth, /var/cache/shibboleth or /var/log/shibboleth.
    return {{"SHIBSP_RUNDIR", (root / "run").string()},
            {"SHIBSP_CACHEDIR", (root / "cache").string()},
            {"SHIBSP_LOGDIR", (root / "logs").string()},
            {"SHIBSP_CONFIG", (root / "shibboleth2.xml").string()}};
}

}  // namespace

ShibbolethService::ShibbolethService(ShibbolethOptions options)
    : options_(std::move(options)), dir_("sesame-shibboleth") {
    requireApache(apacheBinary(options_.binary), {{"mod_shib.so", "libapache2-mod-shib"}});
    requirePhpModule();
    if (!std::filesystem::exists(shibdBinary(options_.shibd)))
        throw HarnessError(shibdBinary(options_.shibd) +
                           " is missing: install libapache2-mod-shib (shibboleth-sp-utils, "
                           "scripts/install-deps.sh)");
    certificate_ = makeSpCertificate(dir_.path());
    metadataFile_ = dir_ / "sp-metadata.xml";
    for (const char* sub : {"logs", "run", "cache"})
        std::filesystem::create_directories(dir_ / sub);
    prepareSp(
        dir_.path(), !options_.idpMetadataFile.empty(), port_,
        [&] {
            shibdPort_ = freePort();  // afresh when a retry follows "Address already in use"
            render();
        },
        [&] { start(); });
}

ShibbolethService::~ShibbolethService() {
    stop();
}

void ShibbolethService::setIdpMetadataFile(const std::filesystem::path& file) {
    options_.idpMetadataFile = file;
}

std::vector<ShibbolethAttribute> ShibbolethService::attributeIds() const {
    auto out = sesameAttributes();
    out.insert(out.end(), options_.extraAttributes.begin(), options_.extraAttributes.end());
    return out;
}

std::string ShibbolethService::singleLogoutUrl(std::string_view binding) const {
    if (binding == saml::redirectBinding) return handlerUrl() + "/SLO/Redirect";
    if (binding == saml::postBinding) return handlerUrl() + "/SLO/POST";
    if (binding == saml::soapBinding) return handlerUrl() + "/SLO/SOAP";
    throw HarnessError("no Shibboleth SLO endpoint for " + std::string(binding));
}

std::string ShibbolethService::loginUrl(const std::string& target, bool forceAuthn, bool isPassive,
                                        const std::string& authnContextClassRef) const {
    std::string url = handlerUrl() + "/Login?target=" + percentEncode(target);
    if (forceAuthn) url += "&forceAuthn=true";
    if (isPassive) url += "&isPassive=true";
    if (!authnContextClassRef.empty())
        url += "&authnContextClassRef=" + percentEncode(authnContextClassRef);
    return url;
}

std::string ShibbolethService::logoutUrl(const std::string& returnTo) const {
    return handlerUrl() + "/Logout?return=" + percentEncode(returnTo);
}

void ShibbolethService::render() {
    const auto root = dir_.path();
    // --- the SP metadata, as Sesame will read it
    SpMetadataSpec sp;
    sp.entityId = entityId();
    sp.certificatePem = certificate_.certificatePem;
    sp.authnRequestsSigned = options_.signAuthnRequests;
    sp.wantAssertionsSigned = options_.wantAssertionsSigned;
    sp.assertionConsumers = {{saml::postBinding, assertionConsumerUrl()}};
    for (const char* binding : {saml::redirectBinding, saml::postBinding, saml::soapBinding})
        sp.singleLogout.push_back({binding, singleLogoutUrl(binding)});
    for (const char* format : nameIdFormats) sp.nameIdFormats.push_back(nameIdFormatUri(format));
    writeFile(metadataFile_, renderSpMetadata(sp));

    // --- attribute-map.xml
    std::string map =
        "<Attributes xmlns=\"urn:mace:shibboleth:2.0:attribute-map\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n";
    std::string nameIds;  // REMOTE_USER: the NameID, whatever its format
    for (const char* format : nameIdFormats) {
        const std::string id = std::string(format) + "-nameid";
        map += "  <Attribute name=\"" + nameIdFormatUri(format) + "\" id=\"" + id +
               "\">\n    <AttributeDecoder xsi:type=\"NameIDAttributeDecoder\" "
               "formatter=\"$Name\" defaultQualifiers=\"true\"/>\n  </Attribute>\n";
        nameIds += (nameIds.empty() ? "" : " ") + id;
    }
    std::string ids = nameIds + " ";  // what the page shows
    for (const auto& a : attributeIds()) {
        map += "  <Attribute name=\"" + a.name + "\" nameFormat=\"" + a.nameFormat + "\" id=\"" +
               a.id + "\"/>\n";
        if (ids.find(" " + a.id + " ") == std::string::npos) ids += a.id + " ";
    }
    map += "</Attributes>\n";
    writeFile(root / "attribute-map.xml", map);

    // --- shibboleth2.xml: every path inside the server root, nothing in /etc/shibboleth or
    // /run/shibboleth but the package's read-only protocol, policy and page templates.
    const std::string r = root.string();
    writeFile(root / "shibd.logger", logger(root / "logs" / "shibd.log", options_.debug));
    writeFile(root / "native.logger", logger(root / "logs" / "native.log", options_.debug));
    // mod_shib logs from Apache's children too: the file must be theirs before the parent
    // (root) creates it.
    writeFile(root / "logs" / "native.log", "");
    giveToApacheChildren(root / "logs" / "native.log");
    const std::string requestBinding = options_.authnRequestBinding;
    std::string config =
        "<SPConfig xmlns=\"urn:mace:shibboleth:3.0:native:sp:config\"\n"
        "    xmlns:conf=\"urn:mace:shibboleth:3.0:native:sp:config\"\n"
        "    xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" clockSkew=\"180\">\n"
        "  <OutOfProcess logger=\"" +
        r +
        "/shibd.logger\"/>\n"
        "  <InProcess logger=\"" +
        r +
        "/native.logger\"/>\n"
        "  <TCPListener address=\"127.0.0.1\" port=\"" +
        std::to_string(shibdPort_) +
        "\" acl=\"127.0.0.1\"/>\n"
        "  <StorageService type=\"Memory\" id=\"mem\" cleanupInterval=\"900\"/>\n"
        "  <SessionCache type=\"StorageService\" StorageService=\"mem\" cacheAllowance=\"900\"/>\n"
        "  <ReplayCache StorageService=\"mem\"/>\n"
        "  <ApplicationDefaults entityID=\"" +
        entityId() +
        "\"\n"
        "      REMOTE_USER=\"" +
        nameIds +
        "\"\n"
        "      signing=\"" +
        (options_.signAuthnRequests ? "front" : "false") +
        "\" encryption=\"false\"\n"
        "      signingAlg=\"" +
        options_.signingAlgorithm + "\" digestAlg=\"" + options_.digestAlgorithm +
        "\"\n"
        "      requireSignedAssertions=\"" +
        (options_.wantAssertionsSigned ? "true" : "false") +
        "\">\n"
        // http on loopback: no Secure cookie, handlers over http.
        "    <Sessions lifetime=\"28800\" timeout=\"3600\" relayState=\"ss:mem\"\n"
        "        checkAddress=\"false\" handlerSSL=\"false\" cookieProps=\"; path=/; HttpOnly\"\n"
        "        redirectLimit=\"exact\" handlerURL=\"/Shibboleth.sso\">\n"
        "      <Logout>SAML2 Local</Logout>\n"
        "      <SessionInitiator type=\"Chaining\" Location=\"/Login\" isDefault=\"true\" "
        "id=\"Login\" entityID=\"" +
        idpEntityId_ +
        "\">\n"
        "        <SessionInitiator type=\"SAML2\" template=\"bindingTemplate.html\" "
        "outgoingBindings=\"" +
        requestBinding +
        "\"/>\n"
        "      </SessionInitiator>\n"
        "      <md:AssertionConsumerService Location=\"/SAML2/POST\" index=\"0\" "
        "Binding=\"" +
        saml::postBinding +
        "\"/>\n"
        "      <Handler type=\"MetadataGenerator\" Location=\"/Metadata\" signing=\"false\"/>\n"
        "      <Handler type=\"Status\" Location=\"/Status\" acl=\"127.0.0.1 ::1\"/>\n"
        "      <Handler type=\"Session\" Location=\"/Session\" showAttributeValues=\"true\"/>\n"
        "    </Sessions>\n"
        "    <Errors supportContact=\"root@localhost\" styleSheet=\"/shibboleth-sp/main.css\"/>\n"
        "    <MetadataProvider type=\"XML\" validate=\"" +
        (options_.validateMetadata ? "true" : "false") + "\" path=\"" + r +
        "/idp-metadata.xml\"/>\n"
        "    <AttributeExtractor type=\"XML\" validate=\"true\" reloadChanges=\"false\" path=\"" +
        r +
        "/attribute-map.xml\"/>\n"
        "    <CredentialResolver type=\"File\" key=\"" +
        certificate_.privateKeyFile.string() + "\" certificate=\"" +
        certificate_.certificateFile.string() +
        "\"/>\n"
        "  </ApplicationDefaults>\n"
        "  <SecurityPolicyProvider type=\"XML\" validate=\"true\" "
        "path=\"/etc/shibboleth/security-policy.xml\"/>\n"
        "  <ProtocolProvider type=\"XML\" validate=\"true\" reloadChanges=\"false\" "
        "path=\"/etc/shibboleth/protocols.xml\"/>\n"
        "</SPConfig>\n";
    writeFile(root / "shibboleth2.xml", config);

    // --- Apache
    ApacheSpConfig apache;
    apache.serverRoot = root;
    apache.port = port_;
    apache.debug = options_.debug;
    apache.modules = {{"mod_shib", "mod_shib.so"}};
    apache.global = "ShibConfig \"" + r +
                    "/shibboleth2.xml\"\nShibCompatValidUser Off\n"
                    "<Location /Shibboleth.sso>\n    AuthType None\n    Require all granted\n"
                    "    SetHandler shib\n</Location>\n";
    apache.rootLocation = "Require all granted\n";
    apache.secureLocation =
        "AuthType shibboleth\n    ShibRequestSetting requireSession 1\n    Require shib-session\n";
    apache.pageEnv = {{"SESAME_SP_KIND", "shibboleth"},
                      {"SESAME_SERVICE_NAME", "Service SAML (Shibboleth)"},
                      {"SESAME_SP_BASE_URL", baseUrl()},
                      {"SESAME_SP_ATTRIBUTES", ids}};
    writeApacheSpConfig(apache);
}

void ShibbolethService::launchShibd() {
    ProcessSpec spec;
    spec.program = shibdBinary(options_.shibd);
    spec.args = {"-F", "-f",
                 "-c", (dir_ / "shibboleth2.xml").string(),
                 "-p", (dir_ / "run" / "shibd.pid").string()};
    spec.env = shibbolethEnv(dir_.path());
    // Its own logging from the first line, so that an invalid configuration is said in shibd.log.
    spec.env.emplace_back("SHIBSP_LOGGING", (dir_ / "shibd.logger").string());
    spec.name = "shibd";
    spec.logDir = dir_ / "logs";
    spec.workingDir = dir_.path();
    std::filesystem::remove(dir_ / "logs" / "shibd.log");  // this start's lines only
    shibd_ = std::make_unique<Process>(std::move(spec));
    // Ready to be asked once its listener starts (then mod_shib's Status request, which retries,
    // tells when it answers). Not a bare TCP probe: shibd 3.4.1 can abort ("malloc(): unsorted
    // double linked list corrupted") when a connection closes without a message while it is
    // still starting.
    try {
        waitUntil(
            [&] {
                std::ifstream in(dir_ / "logs" / "shibd.log");
                const std::string log((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
                return log.find("listener service starting") != std::string::npos;
            },
            options_.startTimeout, "shibd's listener to start", shibd_.get());
    } catch (const HarnessError& e) {
        throw HarnessError(std::string(e.what()) + "--- shibd.log\n" + shibdLogTail() +
                           listenerFailure());
    }
}

void ShibbolethService::launchApache() {
    apache_ = sesame::testing::launchApache({apacheBinary(options_.binary), dir_.path(),
                                             dir_ / "httpd.conf", baseUrl() + "/ping",
                                             shibbolethEnv(dir_.path()), options_.startTimeout});
    // mod_shib answers its Status handler only once it reaches shibd and shibd has its
    // configuration and the IdP's metadata.
    const std::string status = handlerUrl() + "/Status";
    std::string last;
    try {
        waitUntil(
            [&] {
                // Another process listening on shibd's port would answer the TCP wait while
                // shibd itself failed to bind it and exited.
                if (!shibd_->running())
                    throw HarnessError("shibd exited with code " +
                                       std::to_string(shibd_->exitCode().value_or(-1)) + "\n" +
                                       shibd_->logTail());
                try {
                    last = Browser().get(status).body;
                    return last.find("<OK") != std::string::npos;
                } catch (const HarnessError& e) {
                    last = e.what();
                    return false;
                }
            },
            options_.startTimeout, "the Shibboleth SP to answer OK on " + status, apache_.get());
    } catch (const HarnessError& e) {
        throw HarnessError(std::string(e.what()) + "--- last answer\n" + last.substr(0, 2000) +
                           "\n--- shibd.log\n" + shibdLogTail() + listenerFailure() +
                           "--- native.log\n" + fileTail(dir_ / "logs" / "native.log") +
                           "--- error.log\n" + errorLogTail());
    }
}

void ShibbolethService::start() {
    if (running()) return;
    if (options_.idpMetadataFile.empty())
        throw HarnessError("ShibbolethService: no IdP metadata file (setIdpMetadataFile)");
    const std::string idp = readFile(options_.idpMetadataFile);
    const std::string entity = entityIdOf(idp);
    writeFile(dir_ / "idp-metadata.xml", idp);
    std::filesystem::permissions(dir_ / "idp-metadata.xml", std::filesystem::perms(0644));
    if (entity != idpEntityId_) {
        idpEntityId_ = entity;
        render();
    }
    stop();
    launchShibd();
    launchApache();
}

void ShibbolethService::stop() {
    if (apache_) apache_->stop();
    if (shibd_) shibd_->stop();
}

void ShibbolethService::restart() {
    stop();
    start();
}

bool ShibbolethService::running() {
    return apache_ && apache_->running() && shibd_ && shibd_->running();
}

pid_t ShibbolethService::shibdPid() const {
    return shibd_ ? shibd_->pid() : -1;
}

std::string ShibbolethService::metadata() const {
    return readFile(metadataFile_);
}

std::string ShibbolethService::errorLogTail(std::size_t lines) const {
    return fileTail(dir_ / "logs" / "error.log", lines);
}

std::string ShibbolethService::listenerFailure() const {
    // The listener's own error ("failed socket call (bind), result (98): Address already in
    // use"), wherever it is in shibd.log: what makes the constructor try other ports.
    std::ifstream in(dir_ / "logs" / "shibd.log");
    for (std::string line; std::getline(in, line);)
        if (line.find("Shibboleth.Listener") != std::string::npos &&
            line.find("ERROR") != std::string::npos)
            return "--- shibd's listener\n  | " + line + "\n";
    return "";
}

std::string ShibbolethService::shibdLogTail(std::size_t lines) const {
    return fileTail(dir_ / "logs" / "shibd.log", lines);
}

}  // namespace sesame::testing
