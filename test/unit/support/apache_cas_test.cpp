// Real Apache httpd + mod_auth_cas 1.2 (Debian) against the in-process CAS stub: proves that the
// harness can log a browser into a CAS-protected ENT service, see the attributes it received, get
// SSO into a second service and end a service's session by back-channel logout; and pins down what
// mod_auth_cas needs from a CAS server (etc/demo/apache/README.md). Sesame's own interop tests use
// the same ApacheCasService against the real server.
#include <catch2/catch.hpp>

#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/http_client.hpp"
#include "test/support/servers.hpp"
#include "test/unit/support/cas_stub.hpp"

using namespace sesame::testing;

namespace {

const std::vector<std::pair<std::string, std::string>> teacherAttributes = {
    {"displayName", "Marie Hérriot"},
    {"ENTPersonProfils", "National_ENS"},
    {"ENTPersonStructRattach", "0561234X"},
    {"habilitationLevel", "5"},
    {"ENTEleveClasses", "6A"},
    {"ENTEleveClasses", "6B"},
    {"note", "<b>gras</b> & \"cité\""},
    {"legacy_name", "underscore"},
};

struct Fixture {
    TempDir dir{"sesame-cas-stub"};
    CasStub cas{dir.path()};
    std::unique_ptr<ApacheCasService> apache;

    explicit Fixture(CasValidation validation) {
        cas.addUser("prof.herriot", "demo", teacherAttributes);
        ApacheCasOptions options;
        options.casBaseUrl = cas.baseUrl();
        options.caFile = cas.caFile();
        options.validation = validation;
        apache = std::make_unique<ApacheCasService>(options);
    }

    Browser browser() {
        BrowserOptions options;
        options.caFile = cas.caFile();  // the stub's certificate is verified, name included
        return Browser(options);
    }

    // The whole first login of a person: service -> CAS login form -> credentials -> service.
    Response login(Browser& b, const std::string& location) {
        const std::string service = apache->serviceUrl(location);
        Response r = b.get(service);
        REQUIRE(r.status == 302);
        const std::string loginUrl = r.location();
        CHECK(loginUrl.rfind(cas.baseUrl() + "/login?service=", 0) == 0);
        CHECK(queryParameter(loginUrl, "service") == std::optional<std::string>(service));
        r = b.get(loginUrl);
        REQUIRE(r.status == 200);
        auto form = findForm(r.body, "/cas/login");
        REQUIRE(form);
        CHECK(form->has("execution"));
        form->set("username", "prof.herriot").set("password", "demo");
        r = b.post(resolveUrl(r.url, form->action), form->fields);
        REQUIRE(r.status == 302);
        CHECK(r.location().rfind(service + "?ticket=ST-", 0) == 0);
        Response page = b.follow(r, 5);
        INFO(apache->errorLogTail());
        REQUIRE(page.status == 200);
        return page;
    }
};

std::string expectedValidatePath(CasValidation v) {
    switch (v) {
        case CasValidation::p3ServiceValidate:
            return "/cas/p3/serviceValidate";
        case CasValidation::serviceValidate:
            return "/cas/serviceValidate";
        case CasValidation::samlValidate:
            return "/cas/samlValidate";
    }
    return "";
}

std::string logoutRequest(const std::string& ticket) {
    // CAS Protocol 3.0 appendix C; mod_auth_cas only reads <samlp:SessionIndex>.
    return "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
           "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"LR-1\" Version=\"2.0\" "
           "IssueInstant=\"2026-01-01T00:00:00Z\"><saml:NameID>@NOT_USED@</saml:NameID>"
           "<samlp:SessionIndex>" +
           ticket + "</samlp:SessionIndex></samlp:LogoutRequest>";
}

}  // namespace

TEST_CASE("mod_auth_cas logs a person in through CAS and the service shows every attribute",
          "[interop][apache]") {
    auto validation = GENERATE(CasValidation::p3ServiceValidate, CasValidation::serviceValidate,
                               CasValidation::samlValidate);
    Fixture f(validation);
    Browser b = f.browser();
    Response page = f.login(b, "app1");

    // Ticket removed from the URL by a last redirect: the page lives at the bare service URL.
    CHECK(page.url == f.apache->serviceUrl("app1"));
    const auto validations = f.cas.validations();
    REQUIRE(validations.size() == 1);
    CHECK(validations[0].path == expectedValidatePath(validation));
    CHECK(validations[0].service == f.apache->serviceUrl("app1"));
    CHECK(validations[0].success);

    const std::string text = textContent(page.body);
    INFO(text);
    CHECK(text.find("Service ENT de démonstration") != std::string::npos);
    CHECK(text.find("Vous êtes connecté en tant que prof.herriot") != std::string::npos);
    CHECK(text.find("DISPLAYNAME Marie Hérriot") != std::string::npos);
    CHECK(text.find("ENTPERSONPROFILS National_ENS") != std::string::npos);
    CHECK(text.find("ENTPERSONSTRUCTRATTACH 0561234X") != std::string::npos);
    CHECK(text.find("HABILITATIONLEVEL 5") != std::string::npos);
    CHECK(text.find("ENTELEVECLASSES 6A 6B") != std::string::npos);
    // Markup in an attribute is shown as text, never interpreted.
    CHECK(text.find("NOTE <b>gras</b> & \"cité\"") != std::string::npos);
    CHECK(page.body.find("<b>gras") == std::string::npos);
    // Apache 2.4 never exports a header with '_' in its name to a CGI: such attributes are lost.
    CHECK(text.find("underscore") == std::string::npos);
    if (validation == CasValidation::samlValidate) {
        // mod_auth_cas 1.2 also turns the AuthenticationStatement's XML attributes into CAS ones.
        CHECK(text.find("AUTHENTICATIONMETHOD urn:oasis:names:tc:SAML:1.0:am:password") !=
              std::string::npos);
    }

    // The page offers "Se déconnecter" through the CAS server, back to this service.
    CHECK(page.body.find("href=\"" + f.cas.baseUrl() +
                         "/logout?service=" + percentEncode(f.apache->serviceUrl("app1")) +
                         "\">Se déconnecter</a>") != std::string::npos);
}

TEST_CASE("a second location is a second CAS service and gets in by SSO", "[interop][apache]") {
    Fixture f(CasValidation::p3ServiceValidate);
    Browser b = f.browser();
    f.login(b, "app1");

    Response second = b.follow(b.get(f.apache->serviceUrl("app2")), 5);
    REQUIRE(second.status == 200);
    REQUIRE(second.hops.size() == 4);  // app2 -> CAS login (no form) -> app2?ticket -> app2
    CHECK(second.hops[1].url.rfind(f.cas.baseUrl() + "/login?service=", 0) == 0);
    CHECK(second.hops[1].status == 302);
    CHECK(second.hops[2].url.rfind(f.apache->serviceUrl("app2") + "?ticket=ST-", 0) == 0);
    CHECK(textContent(second.body).find("prof.herriot") != std::string::npos);
    CHECK(f.cas.validations().back().service == f.apache->serviceUrl("app2"));
    // Each location keeps its own cookie, scoped to its own path.
    CHECK(b.cookies().value("127.0.0.1", "MOD_AUTH_CAS_APP1"));
    CHECK(b.cookies().value("127.0.0.1", "MOD_AUTH_CAS_APP2"));
    CHECK(f.apache->sessionCount() == 2);
}

TEST_CASE("a CAS logoutRequest POST ends that service's session and no other",
          "[interop][apache]") {
    Fixture f(CasValidation::p3ServiceValidate);
    Browser b = f.browser();
    f.login(b, "app1");
    REQUIRE(b.follow(b.get(f.apache->serviceUrl("app2")), 5).status == 200);
    REQUIRE(f.apache->sessionCount() == 2);
    auto ticket = f.cas.lastTicketFor(f.apache->serviceUrl("app1"));
    REQUIRE(ticket);

    // What Sesame's back channel sends: a form POST to the service URL, without any cookie.
    Browser backChannel;
    Response ack =
        backChannel.postRaw(f.apache->serviceUrl("app1"), "application/x-www-form-urlencoded",
                            "logoutRequest=" + percentEncode(logoutRequest(*ticket)));
    INFO(f.apache->errorLogTail());
    // mod_auth_cas answers the POST like any unauthenticated request (a redirect to CAS login)
    // but it has read the body and dropped the session first.
    CHECK(ack.status == 302);
    CHECK(f.apache->sessionCount() == 1);

    Response again = b.get(f.apache->serviceUrl("app1"));
    CHECK(again.status == 302);
    CHECK(again.location().rfind(f.cas.baseUrl() + "/login?service=", 0) == 0);
    CHECK(b.get(f.apache->serviceUrl("app2")).status == 200);
}

TEST_CASE("mod_auth_cas reads only the first KiB of a logoutRequest POST", "[interop][apache]") {
    Fixture f(CasValidation::p3ServiceValidate);
    Browser b = f.browser();
    f.login(b, "app1");
    auto ticket = f.cas.lastTicketFor(f.apache->serviceUrl("app1"));
    REQUIRE(ticket);
    // Same request, with a long NameID before the SessionIndex: the body passes 1024 bytes, the
    // XML is cut, and the session survives. Sesame must keep its logoutRequest short.
    std::string xml = logoutRequest(*ticket);
    xml.replace(xml.find("@NOT_USED@"), 10, std::string(1100, 'x'));
    Browser backChannel;
    backChannel.postRaw(f.apache->serviceUrl("app1"), "application/x-www-form-urlencoded",
                        "logoutRequest=" + percentEncode(xml));
    CHECK(f.apache->sessionCount() == 1);
    CHECK(b.get(f.apache->serviceUrl("app1")).status == 200);
}

TEST_CASE("headers a browser sends in mod_auth_cas' names never reach the service",
          "[interop][apache]") {
    Fixture f(CasValidation::p3ServiceValidate);
    Browser b = f.browser();
    f.login(b, "app1");
    Response page =
        b.get(f.apache->serviceUrl("app1"), {{"CAS-Attr-ENTPersonProfils", "National_DIR"},
                                             {"CAS-Attr-Injected", "yes"},
                                             {"CAS-User", "dir.herriot"}});
    REQUIRE(page.status == 200);
    const std::string text = textContent(page.body);
    CHECK(text.find("National_ENS") != std::string::npos);
    CHECK(text.find("National_DIR") == std::string::npos);
    CHECK(text.find("INJECTED") == std::string::npos);
    CHECK(text.find("dir.herriot") == std::string::npos);
}

TEST_CASE("mod_auth_cas ignores a ticket outside [SP]T-[A-Za-z0-9.-]", "[interop][apache]") {
    Fixture f(CasValidation::p3ServiceValidate);
    f.cas.setTicketSuffix("_b64url");
    Browser b = f.browser();
    Response r = b.get(f.apache->serviceUrl("app1"));
    r = b.get(r.location());
    auto form = findForm(r.body, "/cas/login");
    REQUIRE(form);
    form->set("username", "prof.herriot").set("password", "demo");
    r = b.post(resolveUrl(r.url, form->action), form->fields);
    // The ticket is never validated: the service sends the browser back to CAS, which (SSO) issues
    // another unusable ticket, and so on. A redirect loop, which follow() turns into an error.
    CHECK_THROWS_WITH(b.follow(r, 6), Catch::Contains("more than 6 redirects"));
    CHECK(f.cas.validations().empty());
}

TEST_CASE("a missing CAS server certificate file is reported before Apache starts",
          "[interop][apache]") {
    ApacheCasOptions options;
    options.casBaseUrl = "https://127.0.0.1:1/cas";
    options.caFile = "/nonexistent/ca.pem";
    CHECK_THROWS_WITH(ApacheCasService(options), Catch::Contains("CA file '/nonexistent/ca.pem'"));
}
