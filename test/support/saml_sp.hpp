#pragma once
// Real SAML 2.0 service providers for the interop tests of Sesame's identity provider, each on a
// free loopback port (http) in its own temporary directory, stopped by PID:
//   MellonService      Apache httpd + mod_auth_mellon 0.18 (Lasso)
//   ShibbolethService  shibd + Apache httpd + mod_shib (Shibboleth SP 3.4)
// Each generates its RSA key and certificate, writes its SP metadata (readable before it starts,
// so that Sesame can be configured with it first), reads the IdP's metadata from a file, and
// protects /secure/ with a page (etc/demo/apache/saml-app/index.php, also the demo's) that shows
// the NameID and every attribute received; readSpPage() reads that page back.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"
#include "test/support/test_certificate.hpp"

namespace sesame::testing {

namespace saml {
inline constexpr const char* redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
inline constexpr const char* postBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
inline constexpr const char* soapBinding = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";
inline constexpr const char* artifactBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
}  // namespace saml

struct SamlEndpoint {
    std::string binding;
    std::string location;
};

// What an SP publishes: an EntityDescriptor with one SPSSODescriptor, its certificate twice (a
// KeyDescriptor use="signing" and one use="encryption"), the ACS in order (index 0, 1, ...; the
// first is the default), the SLO endpoints and the NameID formats.
struct SpMetadataSpec {
    std::string entityId;
    std::string certificatePem;
    bool authnRequestsSigned = true;
    bool wantAssertionsSigned = true;
    std::vector<SamlEndpoint> assertionConsumers;
    std::vector<SamlEndpoint> singleLogout;
    std::vector<std::string> nameIdFormats;
};
std::string renderSpMetadata(const SpMetadataSpec& spec);
// The base64 body of a PEM certificate, as a ds:X509Certificate element holds it.
std::string certificateBase64(const std::string& pem);

// SAML bindings §3.4.4.1: the SAMLRequest or SAMLResponse parameter of an HTTP-Redirect URL
// (already percent-decoded, as queryParameter() gives it), base64-decoded and inflated (raw
// DEFLATE). §3.5.4: the same field of an HTTP-POST form, base64-decoded only. Throw HarnessError.
std::string decodeRedirectMessage(std::string_view base64);
std::string decodePostMessage(std::string_view base64);
// The SAMLRequest or SAMLResponse field of an HTTP-POST form: base64 of the XML (§3.5.4); of an
// HTTP-Redirect URL: base64 of its raw DEFLATE (§3.4.4.1), before percent-encoding.
std::string encodePostMessage(std::string_view xml);
std::string encodeRedirectMessage(std::string_view xml);

// The protected page (/secure/) of either SP, read back.
struct SpPage {
    std::string remoteUser;  // what the SP module gave Apache as REMOTE_USER
    std::string nameId;      // the NameID's value
    // Attributes by the name the SP knows them: mod_auth_mellon uses the SAML Attribute's Name as
    // received ("ENTPersonProfils", "urn:oid:2.5.4.42"); the Shibboleth SP its attribute-map.xml
    // id (ShibbolethService::attributeIds()). Values in the order received.
    std::map<std::string, std::vector<std::string>> attributes;
    // What the SP knows of the SAML session. Mellon: ASSERTION_ID, IDP, SAML_RESPONSE (with
    // MellonOptions::dumpResponse). Shibboleth: NameID-Format (the format's last part: transient,
    // persistent, emailAddress, unspecified), Shib-Identity-Provider, Shib-Session-Index,
    // Shib-Session-ID, Shib-AuthnContext-Class, Shib-Authentication-Instant.
    std::map<std::string, std::string> session;

    // The first value of an attribute, "" when absent.
    std::string value(std::string_view name) const;
};
// Throws HarnessError when `html` is not that page (an IdP's page, an error page).
SpPage readSpPage(const std::string& html);

// ---------------------------------------------------------------------------------------------
struct MellonOptions {
    // Empty: the service is prepared (port, key, certificate, SP metadata) but not started; give
    // the IdP metadata with setIdpMetadataFile() and call start(). Copied at each start.
    std::filesystem::path idpMetadataFile;
    bool signAuthnRequests = true;  // AuthnRequestsSigned in the SP metadata (Lasso follows it)
    // WantAssertionsSigned in the SP metadata, for Sesame to read: Lasso itself does not enforce
    // it (a Response signed without a signed assertion is accepted, one signed nowhere refused).
    bool wantAssertionsSigned = true;
    std::string signatureMethod = "rsa-sha256";  // MellonSignatureMethod: rsa-sha1|256|384|512
    // MellonAuthnContextClassRef (a RequestedAuthnContext in every AuthnRequest; by its README,
    // Mellon then refuses with 403 an assertion whose AuthnContextClassRef is not one of them) and
    // MellonAuthnContextComparisonType ("exact", "minimum", "maximum", "better"; empty: none).
    std::vector<std::string> authnContextClassRefs;
    std::string authnContextComparison;
    // Mellon sends its AuthnRequest over HTTP-Redirect whenever the IdP's metadata offers it, over
    // HTTP-POST only when it does not: true removes the IdP's HTTP-Redirect SingleSignOnService
    // from the copy Mellon reads, so that the AuthnRequest goes over HTTP-POST.
    bool postAuthnRequests = false;
    // Also publish an HTTP-POST SingleLogoutService. mod_auth_mellon 0.18 takes LogoutResponses
    // over POST but reads a POSTed form LogoutRequest as a response and fails it: off by default,
    // so the SP metadata offers HTTP-Redirect and SOAP only.
    bool publishSloPost = false;
    // MellonCookieSameSite None with MellonSecureCookie On, as an SP reached from an IdP of another
    // site needs it: Mellon checks at its ACS the cookie it set before sending the AuthnRequest,
    // and a browser (Chromium: cookies without SameSite are Lax) does not send a Lax cookie with
    // the IdP's cross-site POST. Only for a real browser, which keeps a Secure cookie from
    // http://127.0.0.1 (a potentially trustworthy origin); the test's HTTP client does not.
    bool crossSiteCookie = false;
    bool dumpResponse = false;  // MellonSamlResponseDump On: SpPage::session["SAML_RESPONSE"]
    bool debug = false;         // LogLevel debug (and mod_auth_mellon's own debug lines)
    std::string binary;         // empty: $SESAME_APACHE2 or /usr/sbin/apache2
    std::chrono::milliseconds startTimeout = std::chrono::seconds(15);
};

class MellonService {
  public:
    explicit MellonService(MellonOptions options);  // started when options.idpMetadataFile is set
    ~MellonService();
    MellonService(const MellonService&) = delete;
    MellonService& operator=(const MellonService&) = delete;

    void setIdpMetadataFile(const std::filesystem::path& file);  // for the next start()
    void stop();
    void start();  // same port, key and SP metadata; the IdP metadata copied again
    void restart();
    bool running();

    int port() const { return port_; }
    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string secureUrl() const { return baseUrl() + "/secure/"; }         // the protected page
    std::string entityId() const { return baseUrl() + "/mellon/metadata"; }  // also serves it
    std::string assertionConsumerUrl() const { return baseUrl() + "/mellon/postResponse"; }
    std::string singleLogoutUrl() const { return baseUrl() + "/mellon/logout"; }
    // SP-initiated login: /mellon/login?ReturnTo=<returnTo>[&IsPassive=true]. Mellon 0.18 cannot
    // send ForceAuthn (always false in its AuthnRequest).
    std::string loginUrl(const std::string& returnTo, bool isPassive = false) const;
    // SP-initiated logout: /mellon/logout?ReturnTo=<returnTo> (a LogoutRequest over
    // HTTP-Redirect, then the browser lands on returnTo).
    std::string logoutUrl(const std::string& returnTo) const;

    const std::filesystem::path& metadataFile() const { return metadataFile_; }
    std::string metadata() const;  // the SP metadata, as given to Sesame
    const TestCertificate& certificate() const { return certificate_; }  // RSA 2048, self-signed
    const std::filesystem::path& serverRoot() const { return dir_.path(); }
    std::string errorLogTail(std::size_t lines = 40) const;

  private:
    void render();
    void launch();

    MellonOptions options_;
    TempDir dir_;
    int port_ = 0;
    TestCertificate certificate_;
    std::filesystem::path metadataFile_;
    std::unique_ptr<Process> process_;
};

// ---------------------------------------------------------------------------------------------
// One more attribute for the Shibboleth SP's attribute-map.xml (ShibbolethService maps Sesame's
// attributes already: attributeIds()).
struct ShibbolethAttribute {
    std::string name;  // the SAML Attribute's Name
    std::string id;    // the variable the page shows it under (letters, digits, '-')
    std::string nameFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
};

struct ShibbolethOptions {
    // Empty: prepared (ports, key, certificate, SP metadata) but not started; see
    // setIdpMetadataFile(). The IdP's entityID is read from the file's EntityDescriptor.
    std::filesystem::path idpMetadataFile;
    // signing="front" and AuthnRequestsSigned="true": every message the SP sends through the
    // browser (AuthnRequest, LogoutRequest, LogoutResponse) is signed; false: signing="false"
    // (Shibboleth's default), nothing is. SAML profiles §4.4.4.1 wants front-channel
    // LogoutRequests signed: use true for single logout tests.
    bool signAuthnRequests = false;
    bool wantAssertionsSigned = true;  // requireSignedAssertions, and WantAssertionsSigned
    // The binding of the AuthnRequest: saml::redirectBinding (default) or saml::postBinding.
    std::string authnRequestBinding = saml::redirectBinding;
    // signingAlg / digestAlg of what the SP signs (AuthnRequests, LogoutRequests).
    std::string signingAlgorithm = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    std::string digestAlgorithm = "http://www.w3.org/2001/04/xmlenc#sha256";
    std::vector<ShibbolethAttribute> extraAttributes;
    bool validateMetadata = true;  // schema-validate the IdP metadata (validate="true")
    bool debug = false;            // shibd and mod_shib log at DEBUG
    std::string binary;            // empty: $SESAME_APACHE2 or /usr/sbin/apache2
    std::string shibd;             // empty: $SESAME_SHIBD or /usr/sbin/shibd
    std::chrono::milliseconds startTimeout = std::chrono::seconds(30);
};

class ShibbolethService {
  public:
    explicit ShibbolethService(ShibbolethOptions options);  // started when idpMetadataFile is set
    ~ShibbolethService();
    ShibbolethService(const ShibbolethService&) = delete;
    ShibbolethService& operator=(const ShibbolethService&) = delete;

    void setIdpMetadataFile(const std::filesystem::path& file);  // for the next start()
    void stop();                                                 // Apache, then shibd
    void start();  // shibd, then Apache; same ports, key and SP metadata
    void restart();
    bool running();

    int port() const { return port_; }            // Apache (http)
    int shibdPort() const { return shibdPort_; }  // shibd's TCP listener (mod_shib -> shibd)
    pid_t shibdPid() const;                       // -1 when stopped
    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string secureUrl() const { return baseUrl() + "/secure/"; }
    std::string entityId() const { return baseUrl() + "/shibboleth"; }
    std::string handlerUrl() const { return baseUrl() + "/Shibboleth.sso"; }
    std::string assertionConsumerUrl() const { return handlerUrl() + "/SAML2/POST"; }
    std::string singleLogoutUrl(
        std::string_view binding) const;  // /SLO/Redirect, /SLO/POST, /SLO/SOAP
    // SP-initiated login: /Shibboleth.sso/Login?target=<target>[&forceAuthn=true][&isPassive=true]
    // [&authnContextClassRef=<ref>].
    std::string loginUrl(const std::string& target, bool forceAuthn = false, bool isPassive = false,
                         const std::string& authnContextClassRef = {}) const;
    // SP-initiated logout: /Shibboleth.sso/Logout?return=<returnTo> (a LogoutRequest to the IdP
    // when it has an SLO endpoint, then the browser lands on returnTo).
    std::string logoutUrl(const std::string& returnTo) const;
    // /Shibboleth.sso/Session: the session as the SP sees it (with attribute values).
    std::string sessionUrl() const { return handlerUrl() + "/Session"; }

    // The ids readSpPage() shows attributes under, "name:format -> id" as in attribute-map.xml.
    std::vector<ShibbolethAttribute> attributeIds() const;
    const std::filesystem::path& metadataFile() const { return metadataFile_; }
    std::string metadata() const;
    const TestCertificate& certificate() const { return certificate_; }
    const std::filesystem::path& serverRoot() const { return dir_.path(); }
    std::string errorLogTail(std::size_t lines = 40) const;  // Apache's
    std::string shibdLogTail(std::size_t lines = 40) const;  // shibd.log

  private:
    void render();
    void launchShibd();
    void launchApache();
    std::string listenerFailure() const;

    ShibbolethOptions options_;
    TempDir dir_;
    int port_ = 0;
    int shibdPort_ = 0;
    std::string idpEntityId_;
    TestCertificate certificate_;
    std::filesystem::path metadataFile_;
    std::unique_ptr<Process> shibd_;
    std::unique_ptr<Process> apache_;
};

}  // namespace sesame::testing
