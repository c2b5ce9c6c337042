// The `sesame` command line as an academy or an operator uses it, against a real gateway:
// check-config, passwd, connector test, sessions list / revoke, and SIGHUP reload (sessions kept).
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <regex>

#include "connectors/local/password_hash.hpp"
#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/servers.hpp"
#include "test/support/temp_dir.hpp"
#include "test/support/test_certificate.hpp"

using namespace sesame::testing;

namespace {
const std::string service = "http://127.0.0.1:9/cli/";

SesameInstance& gateway() {
    static SesameInstance instance{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    return instance;
}

Response portal(Browser& browser) {
    auto r = browser.get(gateway().casUrl() + "/login?service=" + percentEncode(service));
    for (int i = 0; i < 5 && r.isRedirect() && r.location().rfind(gateway().baseUrl(), 0) == 0; ++i)
        r = browser.get(r.location());
    return r;
}

bool hasSso(Browser& browser) {
    auto r = browser.get(gateway().casUrl() + "/login?service=" + percentEncode(service));
    return r.isRedirect() && r.location().find("ticket=ST-") != std::string::npos;
}
}  // namespace

TEST_CASE("check-config accepts the demo configuration and names every problem of a broken one",
          "[interop]") {
    auto ok = gateway().cli({"check-config"});
    INFO(ok.output);
    CHECK(ok.exitCode == 0);
    CHECK(ok.output.find("configuration OK") != std::string::npos);

    std::string broken;
    {
        std::ifstream in(gateway().configFile());
        std::stringstream s;
        s << in.rdbuf();
        broken = s.str();
    }
    auto replace = [&](const std::string& from, const std::string& to) {
        broken.replace(broken.find(from), from.size(), to);
    };
    replace("idle_timeout: 2h", "idle_timeout: soon");
    replace("attempts: 5", "attempts: -1");
    replace("directories: [partenaires]", "directories: [nowhere]");
    const auto file = gateway().configFile().parent_path() / "broken.yml";
    std::ofstream(file) << broken;
    auto bad = gateway().cli({"check-config", file.string()});
    INFO(bad.output);
    CHECK(bad.exitCode == 2);
    CHECK(bad.output.find("broken.yml:") != std::string::npos);
    CHECK(bad.output.find("session.idle_timeout") != std::string::npos);
    CHECK(bad.output.find("duration") != std::string::npos);
    CHECK(bad.output.find("throttling.per_account.attempts") != std::string::npos);
    CHECK(bad.output.find("nowhere") != std::string::npos);
}

TEST_CASE("check-config refuses a __Host- session cookie that the public URL cannot carry",
          "[interop]") {
    std::string config;
    {
        std::ifstream in(gateway().configFile());
        std::stringstream s;
        s << in.rdbuf();
        config = s.str();
    }
    // Behind a TLS proxy Sesame serves plain HTTP, but the browser sees https: the prefix works.
    std::string behindProxy = config;
    auto tls = behindProxy.find("  tls:\n");
    REQUIRE(tls != std::string::npos);
    auto end = tls;
    for (int line = 0; line < 3; ++line) end = behindProxy.find('\n', end) + 1;  // tls + 2 keys
    behindProxy.erase(tls, end - tls);
    // Plain http as the browser sees it: a __Host- cookie (Secure) would never be stored.
    std::string plain = config;
    const std::string https = "public_url: https://";
    plain.replace(plain.find(https), https.size(), "public_url: http://");
    const auto dir = gateway().configFile().parent_path();
    std::ofstream(dir / "behind-proxy.yml") << behindProxy;
    auto proxied = gateway().cli({"check-config", (dir / "behind-proxy.yml").string()});
    INFO(proxied.output);
    CHECK(proxied.exitCode == 0);
    std::ofstream(dir / "plain.yml") << plain;
    auto refused = gateway().cli({"check-config", (dir / "plain.yml").string()});
    INFO(refused.output);
    CHECK(refused.exitCode == 2);
    CHECK(refused.output.find("session.cookie_name") != std::string::npos);
    CHECK(refused.output.find("__Host-") != std::string::npos);
    // The same with a name without the prefix is accepted.
    std::string unprefixed = plain;
    unprefixed.replace(unprefixed.find("cookie_name: __Host-SESAME"),
                       std::string("cookie_name: __Host-SESAME").size(), "cookie_name: SESAME");
    std::ofstream(dir / "unprefixed.yml") << unprefixed;
    auto accepted = gateway().cli({"check-config", (dir / "unprefixed.yml").string()});
    INFO(accepted.output);
    CHECK(accepted.exitCode == 0);
}

// Secrets an operator keeps on the gateway's disk: a private key, the Redis and LDAP passwords,
// local password hashes. check-config names each file that group or others may read, and says
// what to do; a certificate or key that is missing or unreadable is named too.
TEST_CASE("check-config names missing certificate files and secret files open to others",
          "[interop]") {
    namespace fs = std::filesystem;
    const auto dir = gateway().configFile().parent_path() / "modes";
    fs::create_directories(dir);
    const auto key = dir / "key.pem", password = dir / "ldap.password",
               accounts = dir / "accounts.yml", redisPassword = dir / "redis.password";
    fs::copy_file(gateway().keyFile(), key, fs::copy_options::overwrite_existing);
    std::ofstream(password) << "sesame-demo\n";
    std::ofstream(redisPassword) << "unused\n";
    fs::copy_file(sourceDir() / "etc" / "demo" / "partners.yml", accounts,
                  fs::copy_options::overwrite_existing);
    std::string config;
    {
        std::ifstream in(gateway().configFile());
        std::stringstream s;
        s << in.rdbuf();
        config = s.str();
    }
    auto replaceAll = [&](std::string text, const std::string& from, const std::string& to) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1))
            text.replace(at, from.size(), to);
        return text;
    };
    const auto missingCertificate = dir / "no-such-cert.pem";
    std::string text = replaceAll(config, gateway().keyFile().string(), key.string());
    text = replaceAll(text, gateway().caFile().string() + "   #",
                      missingCertificate.string() + "   #");
    text = std::regex_replace(text, std::regex("bind_password_file: [^\\n]*"),
                              "bind_password_file: " + password.string());
    const auto file = dir / "sesame.yml";
    auto check = [&](const std::string& yml) {
        std::ofstream(file) << yml;
        return gateway().cli({"check-config", file.string()});
    };
    INFO(text);
    REQUIRE(text.find(password.string()) != std::string::npos);
    REQUIRE(text.find(missingCertificate.string()) != std::string::npos);

    for (auto mode : {0644, 0640, 0604}) {
        fs::permissions(key, fs::perms(mode));
        fs::permissions(password, fs::perms(mode));
        auto refused = check(text);
        INFO(refused.output);
        CHECK(refused.exitCode == 2);
        CHECK(refused.output.find("server.tls.certificate") != std::string::npos);
        CHECK(refused.output.find(missingCertificate.string()) != std::string::npos);
        CHECK(refused.output.find("server.tls.private_key") != std::string::npos);
        CHECK(refused.output.find("chmod 600 " + key.string()) != std::string::npos);
        CHECK(refused.output.find("chmod 600 " + password.string()) != std::string::npos);
    }
    // Local accounts hold password hashes; a Redis password file is a password.
    fs::permissions(key, fs::perms(0600));
    fs::permissions(password, fs::perms(0600));
    fs::permissions(accounts, fs::perms(0644));
    fs::permissions(redisPassword, fs::perms(0644));
    std::string others = replaceAll(text, missingCertificate.string(), gateway().caFile().string());
    others = std::regex_replace(others, std::regex("accounts_file: [^\\n]*"),
                                "accounts_file: " + accounts.string());
    others = replaceAll(others, "  # password_file: /etc/sesame/redis.password",
                        "  password_file: " + redisPassword.string());
    REQUIRE(others.find(accounts.string()) != std::string::npos);
    REQUIRE(others.find(redisPassword.string()) != std::string::npos);
    auto refused = check(others);
    INFO(refused.output);
    CHECK(refused.exitCode == 2);
    CHECK(refused.output.find("chmod 600 " + accounts.string()) != std::string::npos);
    CHECK(refused.output.find("chmod 600 " + redisPassword.string()) != std::string::npos);
    CHECK(refused.output.find(key.string()) == std::string::npos);
    // chmod 600, as the message says: accepted.
    fs::permissions(accounts, fs::perms(0600));
    fs::permissions(redisPassword, fs::perms(0600));
    auto accepted = check(others);
    INFO(accepted.output);
    CHECK(accepted.exitCode == 0);

    // The sentinels' own secrets and certificates too.
    const auto sentinelPassword = dir / "sentinel.password", sentinelKey = dir / "sentinel-key.pem",
               missingCa = dir / "no-such-ca.pem";
    std::ofstream(sentinelPassword) << "unused\n";
    fs::copy_file(gateway().keyFile(), sentinelKey, fs::copy_options::overwrite_existing);
    fs::permissions(sentinelPassword, fs::perms(0644));
    fs::permissions(sentinelKey, fs::perms(0640));
    auto sentinels = std::regex_replace(
        others, std::regex("\n  address: [^\\n]*"),
        "\n  sentinel: { master_name: sesame, addresses: [127.0.0.1:1], password_file: " +
            sentinelPassword.string() + ", tls: { ca_file: " + missingCa.string() +
            ", certificate: " + gateway().caFile().string() +
            ", private_key: " + sentinelKey.string() + " } }");
    REQUIRE(sentinels.find(sentinelKey.string()) != std::string::npos);
    auto sentinelRefused = check(sentinels);
    INFO(sentinelRefused.output);
    CHECK(sentinelRefused.exitCode == 2);
    CHECK(sentinelRefused.output.find("chmod 600 " + sentinelPassword.string()) !=
          std::string::npos);
    CHECK(sentinelRefused.output.find("chmod 600 " + sentinelKey.string()) != std::string::npos);
    CHECK(sentinelRefused.output.find(missingCa.string()) != std::string::npos);
    fs::permissions(sentinelPassword, fs::perms(0600));
    fs::permissions(sentinelKey, fs::perms(0600));
    auto sentinelAccepted =
        check(replaceAll(sentinels, missingCa.string(), gateway().caFile().string()));
    INFO(sentinelAccepted.output);
    CHECK(sentinelAccepted.exitCode == 0);
}

TEST_CASE("sesame passwd prints an argon2id hash that verifies", "[unit]") {
    auto printed = gateway().cli({"passwd"}, "un mot de passe");
    INFO(printed.output);
    REQUIRE(printed.exitCode == 0);
    auto hash = printed.output.substr(0, printed.output.find('\n'));
    CHECK(hash.rfind("$argon2id$", 0) == 0);
    CHECK(sesame::local::verifyPassword(hash, "un mot de passe"));
    CHECK_FALSE(sesame::local::verifyPassword(hash, "un autre"));
}

TEST_CASE("connector test shows what a directory returns and how it maps", "[interop][ldap]") {
    auto shown = gateway().cli({"connector", "test", "academie", "dir.herriot"});
    INFO(shown.output);
    CHECK(shown.exitCode == 0);
    CHECK(shown.output.find("reachable") != std::string::npos);
    CHECK(shown.output.find("ENTPersonProfils: National_DIR") != std::string::npos);
    CHECK(shown.output.find("profile:      National_DIR at 0690001A") != std::string::npos);
    CHECK(shown.output.find("habilitation: direction") != std::string::npos);
    CHECK(shown.output.find("userPassword") == std::string::npos);

    auto unknown = gateway().cli({"connector", "test", "academie", "personne"});
    CHECK(unknown.exitCode == 1);
    auto commune = gateway().cli({"connector", "test", "commune", "agent.mairie"});
    CHECK(commune.output.find("National_COL") != std::string::npos);
}

TEST_CASE("sessions list and revoke work by login, and revoke logs the person out",
          "[interop][redis][ldap]") {
    Browser first, second;
    REQUIRE(logIn(first, portal(first), parent, "demo", false).isRedirect());
    REQUIRE(logIn(second, portal(second), parent, "demo", false).isRedirect());
    auto listed = gateway().cli({"sessions", "list", "parent.herriot"});
    INFO(listed.output);
    CHECK(listed.exitCode == 0);
    CHECK(listed.output.find("2 session(s) for parent.herriot") != std::string::npos);
    CHECK(listed.output.find("directory=ent") != std::string::npos);
    // Only the start of a session id is shown: the whole id is a bearer secret.
    auto cookie = first.cookies().value("127.0.0.1", "__Host-SESAME");
    REQUIRE(cookie);
    CHECK(listed.output.find(*cookie) == std::string::npos);

    auto revoked = gateway().cli({"sessions", "revoke", "parent.herriot"});
    INFO(revoked.output);
    CHECK(revoked.exitCode == 0);
    CHECK_FALSE(hasSso(first));
    CHECK_FALSE(hasSso(second));
    CHECK(gateway().cli({"sessions", "list", "parent.herriot"}).output.find("0 session(s)") !=
          std::string::npos);
}

TEST_CASE("the session id changes at every login (no fixation)", "[interop][redis][ldap]") {
    Browser browser;
    // A cookie planted before login (by an attacker, say) is not adopted.
    browser.cookies().store(Url::parse(gateway().baseUrl() + "/"),
                            "__Host-SESAME=planted-by-someone-else; Path=/; Secure");
    REQUIRE(logIn(browser, portal(browser), teacher, "demo", false).isRedirect());
    auto first = browser.cookies().value("127.0.0.1", "__Host-SESAME");
    REQUIRE(first);
    CHECK(*first != "planted-by-someone-else");
    auto renew =
        browser.get(gateway().casUrl() + "/login?renew=true&service=" + percentEncode(service));
    auto page = renew;
    while (page.isRedirect() && page.location().rfind(gateway().baseUrl(), 0) == 0)
        page = browser.get(page.location());
    REQUIRE(logIn(browser, page, teacher, "demo", false).isRedirect());
    auto second = browser.cookies().value("127.0.0.1", "__Host-SESAME");
    REQUIRE(second);
    CHECK(*second != *first);
    CHECK(hasSso(browser));
    // The previous id is dead: whoever copied it gets nothing.
    Browser thief;
    thief.cookies().store(Url::parse(gateway().baseUrl() + "/"),
                          "__Host-SESAME=" + *first + "; Path=/; Secure");
    CHECK_FALSE(hasSso(thief));
}

TEST_CASE("SIGHUP reloads the service registry and keeps every session", "[interop][redis][ldap]") {
    Browser browser;
    REQUIRE(logIn(browser, portal(browser), director, "demo", false).isRedirect());
    gateway().reload();
    CHECK(gateway().running());
    CHECK(hasSso(browser));
    CHECK(gateway().logTail(200).find("\"event\":\"reloaded\"") != std::string::npos);
}

// Certificates are renewed every few months (Let's Encrypt: 90 days): SIGHUP loads the new files
// for new connections without a restart, connections already open go on, and a broken file
// keeps the certificate that works.
TEST_CASE("SIGHUP reloads the certificate and key; a broken file keeps the old ones",
          "[interop][redis]") {
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    const auto first = certificateFingerprint(readFile(sesame.caFile()));
    REQUIRE(servedCertificateFingerprint(sesame.port()) == first);
    TlsConnection before(sesame.port());

    TempDir renewed("renewed-certificate");
    auto next = makeTestCertificate(renewed.path());
    const auto second = certificateFingerprint(next.certificatePem);
    REQUIRE(second != first);
    writeFile(sesame.caFile(), next.certificatePem);
    writeFile(sesame.keyFile(), next.privateKeyPem);
    sesame.reload();
    CHECK(servedCertificateFingerprint(sesame.port()) == second);
    // The connection opened before the reload is undisturbed: same certificate, still served.
    CHECK(before.fingerprint() == first);
    CHECK(before.get("/healthz") == 200);
    CHECK(sesame.logTail(80).find("\"event\":\"tls_reloaded\"") != std::string::npos);

    // A truncated certificate (a copy caught half-way): refused, the working one stays.
    writeFile(sesame.caFile(), next.certificatePem.substr(0, next.certificatePem.size() / 2));
    sesame.reload();
    CHECK(servedCertificateFingerprint(sesame.port()) == second);
    // A key that does not belong to the certificate: refused too.
    auto other = makeTestCertificate(TempDir("other-certificate").path());
    writeFile(sesame.caFile(), next.certificatePem);
    writeFile(sesame.keyFile(), other.privateKeyPem);
    sesame.reload();
    CHECK(servedCertificateFingerprint(sesame.port()) == second);
    auto log = sesame.logTail(80);
    INFO(log);
    CHECK(log.find("\"event\":\"tls_reload_refused\"") != std::string::npos);
    CHECK(sesame.running());
    Browser browser;
    CHECK(browser.get(sesame.baseUrl() + "/readyz").status == 200);
}

TEST_CASE("SIGTERM stops the gateway cleanly", "[interop][redis]") {
    SesameInstance own{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    ::kill(own.process().pid(), SIGTERM);
    REQUIRE(own.process().waitForExit(std::chrono::seconds(15)));
    CHECK(own.process().exitCode() == 0);
    CHECK(own.logTail(5).find("\"event\":\"stopped\"") != std::string::npos);
}

TEST_CASE("unauthenticated floods are bounded: login starts per address, /metrics by address",
          "[interop][redis]") {
    SesameInstance own{SesameOptions{
        requiredEnv("SESAME_TEST_REDIS"),
        requiredEnv("SESAME_TEST_LDAP"),
        {{"login_starts_per_address: { attempts: 600", "login_starts_per_address: { attempts: 3"},
         {"metrics_allowed_from: [127.0.0.0/8, \"::1\"]", "metrics_allowed_from: [192.0.2.0/24]"}},
        true}};
    Browser browser;
    const std::string login = own.casUrl() + "/login?service=" + percentEncode(service);
    for (int i = 0; i < 3; ++i) CHECK(browser.get(login).status == 303);
    auto refused = browser.get(login);
    CHECK(refused.status == 429);
    CHECK(refused.header("Retry-After"));
    CHECK(textContent(refused.body).find("Trop de demandes") != std::string::npos);
    // Validation by services is not affected.
    CHECK(browser.get(own.casUrl() + "/serviceValidate?service=x&ticket=ST-1").status == 200);

    CHECK(browser.get(own.baseUrl() + "/metrics").status == 403);
    CHECK(browser.get(own.baseUrl() + "/readyz").body == "ready\n");
}
