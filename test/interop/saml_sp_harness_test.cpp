// The SAML service providers of test/support (MellonService, ShibbolethService) before Sesame's
// identity provider exists: given an IdP's metadata, each SP's protected page sends the browser
// to that IdP's single sign-on URL with an AuthnRequest that names the SP and one of the ACS of
// its metadata, in the binding and with the options the test asked for; stopping an SP leaves
// none of its processes behind. Nothing needs to answer at the IdP's URL.
#include <signal.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <catch2/catch.hpp>

#include <ctime>
#include <regex>
#include <tuple>

#include "test/support/html.hpp"
#include "test/support/http_client.hpp"
#include "test/support/process.hpp"
#include "test/support/saml_sp.hpp"

using namespace sesame::testing;

namespace {

// An IdP that exists only as metadata: its own key, SSO and SLO over HTTP-Redirect and HTTP-POST
// on a port where nothing listens.
struct PaperIdp {
    TempDir dir{"sesame-paper-idp"};
    std::string base = "http://127.0.0.1:" + std::to_string(freePort());
    std::string entityId = base + "/saml/metadata";
    std::string ssoUrl = base + "/saml/sso";
    std::filesystem::path metadataFile = dir / "idp-metadata.xml";
    TestCertificate key;

    PaperIdp() {
        CertificateOptions options;
        options.rsa = true;
        options.fileStem = "idp";
        key = makeTestCertificate(dir.path(), options);
        const std::string certificate = certificateBase64(key.certificatePem);
        std::string endpoints;
        for (const char* service : {"SingleLogoutService", "SingleSignOnService"}) {
            for (const char* binding : {saml::redirectBinding, saml::postBinding}) {
                endpoints +=
                    std::string("    <md:") + service + " Binding=\"" + binding + "\" Location=\"" +
                    (std::string(service) == "SingleSignOnService" ? ssoUrl : base + "/saml/slo") +
                    "\"/>\n";
            }
            if (std::string(service) == "SingleLogoutService")
                endpoints +=
                    "    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:"
                    "transient</md:NameIDFormat>\n";
        }
        writeFile(metadataFile,
                  "<?xml version=\"1.0\"?>\n<md:EntityDescriptor "
                  "xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                  "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
                      entityId +
                      "\">\n  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" "
                      "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
                      "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data>"
                      "<ds:X509Certificate>" +
                      certificate +
                      "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n" +
                      endpoints + "  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n");
    }
};

// Follows the SP's own redirects (Mellon sends the browser to its /mellon/login first) and
// returns the first answer that leaves the SP: the one towards the IdP.
Response towardsIdp(Browser& browser, const std::string& url, const std::string& spBase) {
    Response r = browser.get(url);
    for (int hop = 0; hop < 5 && r.isRedirect() && r.location().rfind(spBase + "/", 0) == 0; ++hop)
        r = browser.get(r.location());
    return r;
}

struct AuthnRequest {
    std::string xml;
    Response answer;
    std::string binding;  // how it reached the IdP
    std::optional<std::string> sigAlg, relayState;
};

// The AuthnRequest the SP sent, over HTTP-Redirect (a 302/303 to the SSO URL) or HTTP-POST (a
// form posting to it).
AuthnRequest authnRequestFrom(const Response& r, const std::string& ssoUrl) {
    AuthnRequest out;
    out.answer = r;
    if (r.isRedirect()) {
        INFO(r.location());
        CHECK((r.status == 302 || r.status == 303));
        REQUIRE(r.location().rfind(ssoUrl + "?", 0) == 0);
        const auto request = queryParameter(r.location(), "SAMLRequest");
        REQUIRE(request);
        out.xml = decodeRedirectMessage(*request);
        out.binding = saml::redirectBinding;
        out.sigAlg = queryParameter(r.location(), "SigAlg");
        out.relayState = queryParameter(r.location(), "RelayState");
        return out;
    }
    INFO(r.status << "\n" << r.body);
    REQUIRE(r.status == 200);
    const auto form = findForm(r.body, ssoUrl);
    REQUIRE(form);
    CHECK(form->method == "POST");
    REQUIRE(form->value("SAMLRequest"));
    out.xml = decodePostMessage(*form->value("SAMLRequest"));
    out.binding = saml::postBinding;
    out.relayState = form->value("RelayState");
    return out;
}

// The text or attribute value of the first element with this local name (any prefix).
std::string elementText(const std::string& xml, const std::string& localName) {
    std::smatch m;
    const std::regex element("<(?:[A-Za-z0-9_]+:)?" + localName + "\\b[^>]*>([^<]*)<");
    return std::regex_search(xml, m, element) ? m[1].str() : std::string();
}
std::string attribute(const std::string& xml, const std::string& localName,
                      const std::string& name) {
    std::smatch m;
    const std::regex element("<(?:[A-Za-z0-9_]+:)?" + localName + "\\b[^>]*\\s" + name +
                             "=\"([^\"]*)\"");
    return std::regex_search(xml, m, element) ? m[1].str() : std::string();
}

// xs:boolean (XML Schema part 2, 3.2.2): Lasso writes "true", the Shibboleth SP "1".
bool isTrue(const std::string& value) {
    return value == "true" || value == "1";
}

// What an IdP checks first: the issuer is the SP and the ACS is one its metadata declares.
void checkNamesTheSp(const AuthnRequest& request, const std::string& entityId,
                     const std::string& metadata, const PaperIdp& idp) {
    INFO(request.xml);
    CHECK(elementText(request.xml, "Issuer") == entityId);
    const std::string acs = attribute(request.xml, "AuthnRequest", "AssertionConsumerServiceURL");
    REQUIRE_FALSE(acs.empty());
    CHECK(metadata.find("Binding=\"" + std::string(saml::postBinding) + "\" Location=\"" + acs +
                        "\"") != std::string::npos);
    CHECK(attribute(request.xml, "AuthnRequest", "Destination") == idp.ssoUrl);
    CHECK_FALSE(attribute(request.xml, "AuthnRequest", "ID").empty());
}

// What the SP sends the browser to the IdP with when it asks for /secure/ without a session,
// checked to name the SP.
template <class Sp>
AuthnRequest requestForSecurePage(Browser& browser, Sp& sp, const PaperIdp& idp) {
    AuthnRequest request =
        authnRequestFrom(towardsIdp(browser, sp.secureUrl(), sp.baseUrl()), idp.ssoUrl);
    checkNamesTheSp(request, sp.entityId(), sp.metadata(), idp);
    return request;
}

// Stops the SP through `stop` and waits until no process names its server root any more.
template <class Sp>
void checkStopsEverything(Sp& sp) {
    const std::string root = sp.serverRoot().string();
    REQUIRE_FALSE(processesMentioning(root).empty());  // Apache's parent and its children
    sp.stop();
    waitUntil([&] { return processesMentioning(root).empty(); }, std::chrono::seconds(10),
              "every process of " + root + " to exit");
}

std::string isoTime(std::chrono::system_clock::time_point t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// What the paper IdP asserts in answer to an AuthnRequest.
struct Assertion {
    std::string nameId = "_3f2a9c1e7b4d";
    std::string nameIdFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    // Name, NameFormat, values.
    std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> attributes;
};

// xmlsec1 with these arguments, in the paper IdP's directory; its output file's content.
std::string xmlsec1(const PaperIdp& idp, std::vector<std::string> args, const std::string& input) {
    writeFile(idp.dir / "in.xml", input);
    std::filesystem::remove(idp.dir / "out.xml");
    ProcessSpec spec;
    spec.program = "xmlsec1";
    spec.args = std::move(args);
    spec.args.push_back("--output");
    spec.args.push_back((idp.dir / "out.xml").string());
    spec.args.push_back((idp.dir / "in.xml").string());
    spec.name = "xmlsec1";
    spec.logDir = idp.dir.path();
    const CommandResult result = runCommand(spec, std::chrono::seconds(30));
    INFO(result.output);
    REQUIRE(result.exitCode == 0);
    std::string out = readFile(idp.dir / "out.xml");
    if (out.rfind("<?xml", 0) == 0) out.erase(0, out.find("?>") + 2);  // to embed it
    return out;
}

// The data algorithm of an EncryptedAssertion (key transport: RSA-OAEP with MGF1-SHA1).
constexpr const char* aes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
constexpr const char* aes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";

// A Response to `request` (Destination and Recipient its ACS, InResponseTo its ID) carrying one
// Assertion signed by the paper IdP with xmlsec1 (RSA-SHA256, exclusive c14n), as an IdP would;
// with `encryptFor` (an SP's certificate), the signed Assertion is then encrypted with
// `dataAlgorithm` into an EncryptedAssertion.
struct ResponseOptions {
    bool signAssertion = true;
    bool signResponse = false;
    std::filesystem::path encryptFor;  // an SP's certificate: an EncryptedAssertion
    std::string dataAlgorithm = aes128Gcm;
    // Set: an error Response with this second-level status under Responder (SAML core 3.2.2.2),
    // no assertion, the message signed.
    std::string failure;
};

// An enveloped XML signature template for the element whose ID is `id` (RSA-SHA256, exclusive
// c14n), filled in by xmlsec1 --sign.
std::string signatureTemplate(const std::string& id) {
    return "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
           "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
           "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
           "<ds:Reference URI=\"#" +
           id +
           "\"><ds:Transforms>"
           "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
           "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
           "<ds:DigestMethod "
           "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/>"
           "</ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>";
}

std::string signedBy(const PaperIdp& idp, const std::string& xml, const std::string& element) {
    return xmlsec1(
        idp, {"--sign", "--privkey-pem", idp.key.privateKeyFile.string(), "--id-attr:ID", element},
        xml);
}

std::string signedResponse(const PaperIdp& idp, const std::string& request,
                           const std::string& audience, const Assertion& assertion,
                           const ResponseOptions& options = {}) {
    const auto now = std::chrono::system_clock::now();
    const std::string acs = attribute(request, "AuthnRequest", "AssertionConsumerServiceURL");
    const std::string inResponseTo = attribute(request, "AuthnRequest", "ID");
    std::string attributes;
    for (const auto& [name, format, values] : assertion.attributes) {
        attributes += "<saml:Attribute Name=\"" + name + "\" NameFormat=\"" + format + "\">";
        for (const auto& value : values)
            attributes += "<saml:AttributeValue>" + value + "</saml:AttributeValue>";
        attributes += "</saml:Attribute>";
    }
    const std::string issuer = "<saml:Issuer>" + idp.entityId + "</saml:Issuer>";
    const std::string unsignedAssertion =
        "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a5e07\" "
        "Version=\"2.0\" IssueInstant=\"" +
        isoTime(now) + "\">" + issuer +
        (options.signAssertion ? signatureTemplate("_a5e07") : std::string()) +
        "<saml:Subject><saml:NameID Format=\"" + assertion.nameIdFormat + "\">" + assertion.nameId +
        "</saml:NameID><saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">"
        "<saml:SubjectConfirmationData InResponseTo=\"" +
        inResponseTo + "\" NotOnOrAfter=\"" + isoTime(now + std::chrono::minutes(5)) +
        "\" Recipient=\"" + acs +
        "\"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"" +
        isoTime(now - std::chrono::minutes(1)) + "\" NotOnOrAfter=\"" +
        isoTime(now + std::chrono::minutes(5)) + "\"><saml:AudienceRestriction><saml:Audience>" +
        audience +
        "</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement "
        "AuthnInstant=\"" +
        isoTime(now) +
        "\" SessionIndex=\"_s41b\"><saml:AuthnContext>"
        "<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:"
        "PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>"
        "</saml:AuthnStatement><saml:AttributeStatement>" +
        attributes + "</saml:AttributeStatement></saml:Assertion>";
    std::string inner =
        options.signAssertion
            ? signedBy(idp, unsignedAssertion, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion")
            : unsignedAssertion;
    if (!options.encryptFor.empty()) {
        writeFile(
            idp.dir / "encryption-template.xml",
            "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" "
            "Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:EncryptionMethod "
            "Algorithm=\"" +
                options.dataAlgorithm +
                "\"/><ds:KeyInfo "
                "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><xenc:EncryptedKey>"
                "<xenc:EncryptionMethod "
                "Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\">"
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>"
                "</xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue/></xenc:CipherData>"
                "</xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/>"
                "</xenc:CipherData></xenc:EncryptedData>");
        const std::string sessionKey = options.dataAlgorithm == aes128Gcm ? "aes-128" : "aes-256";
        // xmlsec1 reads the template as its last argument and the data with --xml-data.
        writeFile(idp.dir / "assertion.xml", inner);
        inner =
            "<saml:EncryptedAssertion>" +
            xmlsec1(idp,
                    {"--encrypt", "--pubkey-cert-pem", options.encryptFor.string(), "--session-key",
                     sessionKey, "--xml-data", (idp.dir / "assertion.xml").string()},
                    readFile(idp.dir / "encryption-template.xml")) +
            "</saml:EncryptedAssertion>";
    }
    std::string status = "<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>";
    if (!options.failure.empty()) {
        inner.clear();
        status =
            "<samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\">"
            "<samlp:StatusCode Value=\"" +
            options.failure + "\"/></samlp:StatusCode>";
    }
    const bool signResponse = options.signResponse || !options.failure.empty();
    const std::string response =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r8d1c\" Version=\"2.0\" "
        "IssueInstant=\"" +
        isoTime(now) + "\" Destination=\"" + acs + "\" InResponseTo=\"" + inResponseTo + "\">" +
        issuer + (signResponse ? signatureTemplate("_r8d1c") : std::string()) + "<samlp:Status>" +
        status + "</samlp:Status>" + inner + "</samlp:Response>";
    return signResponse ? signedBy(idp, response, "urn:oasis:names:tc:SAML:2.0:protocol:Response")
                        : response;
}

// Posts the Response to the SP's ACS as the IdP's auto-submitting form would, and follows the SP
// back to the page the person asked for.
Response postToSp(Browser& browser, const AuthnRequest& request, const std::string& response) {
    const std::string acs = attribute(request.xml, "AuthnRequest", "AssertionConsumerServiceURL");
    Fields form{{"SAMLResponse", encodePostMessage(response)}};
    if (request.relayState) form.emplace_back("RelayState", *request.relayState);
    return browser.follow(browser.post(acs, form), 5);
}

const Assertion teacher{
    "_3f2a9c1e7b4d",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    {{"ENTPersonProfils",
      "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
      {"National_ENS", "National_DOC"}},
     {"ENTPersonStructRattach", "urn:oasis:names:tc:SAML:2.0:attrname-format:basic", {"0750001A"}},
     {"urn:oid:2.5.4.42", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", {"Éloïse"}},
     {"idEnt", "urn:oasis:names:tc:SAML:2.0:attrname-format:uri", {"ENT-PARIS"}}}};

std::string logsOf(const MellonService& sp) {
    return "--- error.log\n" + sp.errorLogTail();
}
std::string logsOf(const ShibbolethService& sp) {
    return "--- shibd.log\n" + sp.shibdLogTail() + "--- error.log\n" + sp.errorLogTail();
}

// Posts `response` to the SP and checks that the person lands on the protected page, which shows
// the teacher's NameID and SDET/GAR attributes, and stays there without the IdP; the page as read.
template <class Sp>
SpPage logsIn(Browser& browser, const AuthnRequest& request, Sp& sp, const std::string& response) {
    const Response page = postToSp(browser, request, response);
    INFO(page.status << " " << page.url << "\n" << page.body << logsOf(sp));
    REQUIRE(page.status == 200);
    CHECK(page.url == sp.secureUrl());
    const SpPage seen = readSpPage(page.body);
    CHECK(seen.nameId == "_3f2a9c1e7b4d");
    CHECK(seen.remoteUser == "_3f2a9c1e7b4d");
    CHECK(seen.attributes.at("ENTPersonProfils") ==
          std::vector<std::string>{"National_ENS", "National_DOC"});
    CHECK(seen.value("ENTPersonStructRattach") == "0750001A");
    CHECK(seen.value("idEnt") == "ENT-PARIS");
    CHECK(readSpPage(browser.get(sp.secureUrl()).body).nameId == "_3f2a9c1e7b4d");
    return seen;
}

// An EncryptedAssertion (RSA-OAEP key transport, `algorithm` for the data) opens the page.
template <class Sp>
void checkEncryptedLogin(Browser& browser, const AuthnRequest& request, const PaperIdp& idp, Sp& sp,
                         const char* algorithm) {
    ResponseOptions options;
    options.encryptFor = sp.certificate().certificateFile;
    options.dataAlgorithm = algorithm;
    const std::string response = signedResponse(idp, request.xml, sp.entityId(), teacher, options);
    CHECK(response.find("EncryptedAssertion") != std::string::npos);
    CHECK(response.find("0750001A") == std::string::npos);
    logsIn(browser, request, sp, response);
}

// An IdP-initiated LogoutRequest for the teacher's session, as the HTTP-Redirect URL to the SP's
// SLO endpoint `slo`, signed by the paper IdP over the query string (SAML bindings §3.4.4.1:
// "SAMLRequest=...&SigAlg=..." as sent, RSA-SHA256).
std::string logoutRequestUrl(const PaperIdp& idp, const std::string& slo, const std::string& id) {
    const std::string xml =
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
        id + "\" Version=\"2.0\" IssueInstant=\"" + isoTime(std::chrono::system_clock::now()) +
        "\" Destination=\"" + slo + "\"><saml:Issuer>" + idp.entityId +
        "</saml:Issuer><saml:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:"
        "transient\">_3f2a9c1e7b4d</saml:NameID><samlp:SessionIndex>_s41b</samlp:SessionIndex>"
        "</samlp:LogoutRequest>";
    const std::string query =
        "SAMLRequest=" + percentEncode(encodeRedirectMessage(xml)) +
        "&SigAlg=" + percentEncode("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
    using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
    using Context = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
    Bio bio(BIO_new_mem_buf(idp.key.privateKeyPem.data(),
                            static_cast<int>(idp.key.privateKeyPem.size())),
            BIO_free);
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    Context context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    REQUIRE(key);
    REQUIRE(context);
    std::size_t size = static_cast<std::size_t>(EVP_PKEY_get_size(key.get()));
    std::string signature(size, '\0');
    REQUIRE(EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
    REQUIRE(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                           reinterpret_cast<const unsigned char*>(query.data()),
                           query.size()) == 1);
    signature.resize(size);
    return slo + "?" + query + "&Signature=" + percentEncode(encodePostMessage(signature));
}

// The SP answers an IdP-initiated LogoutRequest with a signed LogoutResponse (Success,
// InResponseTo the request) over HTTP-Redirect to the IdP's SLO URL, and its session is gone.
template <class Sp>
void checkIdpInitiatedLogout(Browser& browser, const PaperIdp& idp, Sp& sp,
                             const std::string& slo) {
    const Response r = browser.get(logoutRequestUrl(idp, slo, "_lr6c0de"));
    INFO(r.status << " " << r.body << logsOf(sp));
    REQUIRE(r.isRedirect());
    INFO(r.location());
    REQUIRE(r.location().rfind(idp.base + "/saml/slo?", 0) == 0);
    const auto message = queryParameter(r.location(), "SAMLResponse");
    REQUIRE(message);
    const std::string xml = decodeRedirectMessage(*message);
    INFO(xml);
    CHECK(xml.find("LogoutResponse") != std::string::npos);
    CHECK(attribute(xml, "LogoutResponse", "InResponseTo") == "_lr6c0de");
    CHECK(attribute(xml, "StatusCode", "Value") == "urn:oasis:names:tc:SAML:2.0:status:Success");
    CHECK(elementText(xml, "Issuer") == sp.entityId());
    CHECK(queryParameter(r.location(), "Signature"));
    const Response after = browser.get(sp.secureUrl());
    CHECK(after.status != 200);
}

// The answer of the SP to `response`: whether it opened the page.
template <class Sp>
bool opensPage(Browser& browser, const AuthnRequest& request, Sp& sp, const std::string& response) {
    const Response page = postToSp(browser, request, response);
    INFO(page.status << " " << page.url << "\n" << logsOf(sp));
    return page.status == 200 && browser.get(sp.secureUrl()).status == 200;
}

// What an SP must refuse, or its acceptance of a signed assertion proves nothing: an assertion
// changed after it was signed, a Response signed nowhere. A Response that signs the message but
// not the assertion: refused by the Shibboleth SP (requireSignedAssertions), accepted by
// mod_auth_mellon, whose Lasso ignores WantAssertionsSigned (`signedMessageIsEnough`).
template <class Sp>
void checkSignatures(Browser& browser, const AuthnRequest& request, const PaperIdp& idp, Sp& sp,
                     bool signedMessageIsEnough) {
    SECTION("an assertion changed after it was signed is refused") {
        std::string response = signedResponse(idp, request.xml, sp.entityId(), teacher);
        const auto at = response.find("0750001A");
        REQUIRE(at != std::string::npos);
        response.replace(at, 8, "0750002B");
        CHECK_FALSE(opensPage(browser, request, sp, response));
    }
    SECTION("a Response signed nowhere is refused") {
        ResponseOptions options;
        options.signAssertion = false;
        CHECK_FALSE(opensPage(browser, request, sp,
                              signedResponse(idp, request.xml, sp.entityId(), teacher, options)));
    }
    SECTION("a Response signed, its assertion not") {
        ResponseOptions options;
        options.signAssertion = false;
        options.signResponse = true;
        CHECK(opensPage(browser, request, sp,
                        signedResponse(idp, request.xml, sp.entityId(), teacher, options)) ==
              signedMessageIsEnough);
    }
    SECTION("a Response and its assertion both signed are accepted") {
        ResponseOptions options;
        options.signResponse = true;
        logsIn(browser, request, sp,
               signedResponse(idp, request.xml, sp.entityId(), teacher, options));
    }
}

// A passive AuthnRequest from `loginUrl`, answered with a signed Responder/NoPassive Response: the
// SP's answer to that.
template <class Sp>
Response answerNoPassive(Browser& browser, Sp& sp, const PaperIdp& idp,
                         const std::string& loginUrl) {
    const AuthnRequest passive = authnRequestFrom(browser.get(loginUrl), idp.ssoUrl);
    REQUIRE(isTrue(attribute(passive.xml, "AuthnRequest", "IsPassive")));
    ResponseOptions options;
    options.failure = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
    const Response r = postToSp(browser, passive,
                                signedResponse(idp, passive.xml, sp.entityId(), teacher, options));
    INFO(r.status << " " << r.url << "\n" << textContent(r.body) << logsOf(sp));
    return r;
}

// SP-initiated logout: a signed LogoutRequest over HTTP-Redirect to the IdP's SLO URL, naming
// the session the paper IdP opened.
void checkLogoutRequest(const Response& r, const PaperIdp& idp, const std::string& entityId) {
    INFO(r.status << " " << r.body);
    REQUIRE(r.isRedirect());
    INFO(r.location());
    REQUIRE(r.location().rfind(idp.base + "/saml/slo?", 0) == 0);
    const auto message = queryParameter(r.location(), "SAMLRequest");
    REQUIRE(message);
    const std::string xml = decodeRedirectMessage(*message);
    INFO(xml);
    CHECK(xml.find("LogoutRequest") != std::string::npos);
    CHECK(elementText(xml, "Issuer") == entityId);
    CHECK(elementText(xml, "NameID") == "_3f2a9c1e7b4d");
    CHECK(elementText(xml, "SessionIndex") == "_s41b");
    CHECK(queryParameter(r.location(), "SigAlg") ==
          "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    CHECK(queryParameter(r.location(), "Signature"));
}

}  // namespace

TEST_CASE("mod_auth_mellon sends a signed AuthnRequest over HTTP-Redirect", "[interop][saml]") {
    PaperIdp idp;
    MellonOptions options;
    options.idpMetadataFile = idp.metadataFile;
    MellonService sp(options);
    Browser browser;

    // Lasso signs the query string (SAML bindings §3.4.4.1) when AuthnRequestsSigned="true".
    const AuthnRequest request = requestForSecurePage(browser, sp, idp);
    CHECK(request.binding == saml::redirectBinding);
    CHECK(request.sigAlg == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    CHECK(queryParameter(request.answer.location(), "Signature"));
    CHECK(request.relayState == sp.secureUrl());
    CHECK_FALSE(isTrue(attribute(request.xml, "AuthnRequest", "IsPassive")));

    SECTION("NoPassive for an IsPassive request: 401 at the ACS, the status in the log") {
        const Response r = answerNoPassive(browser, sp, idp, sp.loginUrl(sp.secureUrl(), true));
        CHECK(r.status == 401);
        CHECK(sp.errorLogTail().find("urn:oasis:names:tc:SAML:2.0:status:NoPassive") !=
              std::string::npos);
        CHECK(browser.get(sp.secureUrl()).status != 200);
    }
    SECTION("IsPassive from the login endpoint") {
        const AuthnRequest passive =
            authnRequestFrom(browser.get(sp.loginUrl(sp.secureUrl(), true)), idp.ssoUrl);
        CHECK(isTrue(attribute(passive.xml, "AuthnRequest", "IsPassive")));
    }
    SECTION("the page is not served without a session") {
        CHECK(browser.get(sp.secureUrl()).status != 200);
    }
    SECTION("a signed Response opens the page, which shows the NameID and the attributes") {
        const SpPage seen =
            logsIn(browser, request, sp, signedResponse(idp, request.xml, sp.entityId(), teacher));
        CHECK(seen.value("urn:oid:2.5.4.42") == "Éloïse");
        CHECK(seen.value("idEnt") == "ENT-PARIS");
        CHECK(seen.session.at("IDP") == idp.entityId);
        checkLogoutRequest(browser.get(sp.logoutUrl(sp.baseUrl() + "/")), idp, sp.entityId());
    }
    SECTION("an IdP-initiated LogoutRequest over HTTP-Redirect ends the session") {
        logsIn(browser, request, sp, signedResponse(idp, request.xml, sp.entityId(), teacher));
        checkIdpInitiatedLogout(browser, idp, sp, sp.singleLogoutUrl());
    }
    checkSignatures(browser, request, idp, sp, true);
    for (const char* algorithm : {aes128Gcm, aes256Cbc}) {
        DYNAMIC_SECTION("an assertion encrypted for the SP's key with " << algorithm) {
            checkEncryptedLogin(browser, request, idp, sp, algorithm);
        }
    }
    checkStopsEverything(sp);
}

TEST_CASE("mod_auth_mellon posts an unsigned AuthnRequest when the IdP offers HTTP-POST only",
          "[interop][saml]") {
    PaperIdp idp;
    MellonOptions options;
    options.idpMetadataFile = idp.metadataFile;
    options.postAuthnRequests = true;
    options.signAuthnRequests = false;
    options.authnContextClassRefs = {
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"};
    MellonService sp(options);
    Browser browser;
    const AuthnRequest request = requestForSecurePage(browser, sp, idp);
    CHECK(request.binding == saml::postBinding);
    CHECK(request.xml.find("SignatureValue") == std::string::npos);
    CHECK(elementText(request.xml, "AuthnContextClassRef") ==
          "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport");
    checkStopsEverything(sp);
}

TEST_CASE("mod_auth_mellon prepared first, started once the IdP's metadata exists",
          "[interop][saml]") {
    MellonService sp(MellonOptions{});
    CHECK_FALSE(sp.running());
    CHECK(sp.metadata().find("entityID=\"" + sp.entityId() + "\"") != std::string::npos);
    PaperIdp idp;
    sp.setIdpMetadataFile(idp.metadataFile);
    sp.start();
    Browser browser;
    requestForSecurePage(browser, sp, idp);
    checkStopsEverything(sp);
}

TEST_CASE("the Shibboleth SP sends an AuthnRequest over HTTP-Redirect", "[interop][saml]") {
    PaperIdp idp;
    ShibbolethOptions options;
    options.idpMetadataFile = idp.metadataFile;
    options.signAuthnRequests = true;
    ShibbolethService sp(options);
    Browser browser;

    const AuthnRequest request = requestForSecurePage(browser, sp, idp);
    CHECK(request.binding == saml::redirectBinding);
    CHECK(request.sigAlg == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    CHECK(request.relayState);
    CHECK_FALSE(isTrue(attribute(request.xml, "AuthnRequest", "ForceAuthn")));

    SECTION("ForceAuthn from the login handler") {
        const AuthnRequest forced =
            authnRequestFrom(browser.get(sp.loginUrl(sp.secureUrl(), true)), idp.ssoUrl);
        INFO(forced.xml);
        CHECK(isTrue(attribute(forced.xml, "AuthnRequest", "ForceAuthn")));
        CHECK_FALSE(isTrue(attribute(forced.xml, "AuthnRequest", "IsPassive")));
    }
    SECTION("NoPassive for an isPassive request: Shibboleth's error page names it") {
        const Response r =
            answerNoPassive(browser, sp, idp, sp.loginUrl(sp.secureUrl(), false, true));
        CHECK(r.status == 500);
        CHECK(textContent(r.body).find("urn:oasis:names:tc:SAML:2.0:status:NoPassive") !=
              std::string::npos);
        CHECK(browser.get(sp.secureUrl()).status != 200);
    }
    SECTION("IsPassive from the login handler") {
        const AuthnRequest passive =
            authnRequestFrom(browser.get(sp.loginUrl(sp.secureUrl(), false, true)), idp.ssoUrl);
        INFO(passive.xml);
        CHECK(isTrue(attribute(passive.xml, "AuthnRequest", "IsPassive")));
        CHECK_FALSE(isTrue(attribute(passive.xml, "AuthnRequest", "ForceAuthn")));
    }
    SECTION("a signed Response opens the page, which shows the NameID and the attributes") {
        const SpPage seen =
            logsIn(browser, request, sp, signedResponse(idp, request.xml, sp.entityId(), teacher));
        CHECK(seen.session.at("NameID-Format") == "transient");
        CHECK(seen.value("oid-givenName") == "Éloïse");
        CHECK(seen.session.at("Shib-Identity-Provider") == idp.entityId);
        CHECK(seen.session.at("Shib-Session-Index") == "_s41b");
        CHECK(seen.session.at("Shib-AuthnContext-Class") ==
              "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport");
        checkLogoutRequest(towardsIdp(browser, sp.logoutUrl(sp.baseUrl() + "/"), sp.baseUrl()), idp,
                           sp.entityId());
    }
    SECTION("an IdP-initiated LogoutRequest over HTTP-Redirect ends the session") {
        logsIn(browser, request, sp, signedResponse(idp, request.xml, sp.entityId(), teacher));
        checkIdpInitiatedLogout(browser, idp, sp, sp.singleLogoutUrl(saml::redirectBinding));
    }
    checkSignatures(browser, request, idp, sp, false);
    for (const char* algorithm : {aes128Gcm, aes256Cbc}) {
        DYNAMIC_SECTION("an assertion encrypted for the SP's key with " << algorithm) {
            checkEncryptedLogin(browser, request, idp, sp, algorithm);
        }
    }
    SECTION("its own Metadata handler names the ACS the harness published") {
        const Response generated = browser.get(sp.handlerUrl() + "/Metadata");
        REQUIRE(generated.status == 200);
        CHECK(generated.body.find(sp.assertionConsumerUrl()) != std::string::npos);
        CHECK(generated.body.find(sp.entityId()) != std::string::npos);
    }
    const pid_t shibd = sp.shibdPid();
    REQUIRE(shibd > 0);
    checkStopsEverything(sp);
    CHECK(::kill(shibd, 0) != 0);
}

TEST_CASE("the Shibboleth SP posts an unsigned AuthnRequest when told to", "[interop][saml]") {
    PaperIdp idp;
    ShibbolethOptions options;
    options.idpMetadataFile = idp.metadataFile;
    options.authnRequestBinding = saml::postBinding;
    ShibbolethService sp(options);
    Browser browser;
    const AuthnRequest request = requestForSecurePage(browser, sp, idp);
    CHECK(request.binding == saml::postBinding);
    CHECK(request.xml.find("SignatureValue") == std::string::npos);
    checkStopsEverything(sp);
}
