// The demo directories on a real slapd, as Sesame's login page uses them.
//
//   scripts/slapd.sh start /tmp/sesame-slapd 3389      # any free port
//   SESAME_TEST_LDAP=ldap://127.0.0.1:3389 build/connectors/ldap/ldap_directory_test
//
// The restart test starts a private slapd of its own (scripts/slapd.sh, free port), so that
// stopping it disturbs no other test.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "connectors/ldap/ldap_directory.hpp"
#include "test/unit/connectors/yaml_node.hpp"

namespace asio = boost::asio;
using namespace sesame;
using core::Errc;
// Not ldap::X: for clang, `ldap` also names libldap's `struct ldap` in the global namespace.
using sesame::ldap::LdapDirectory;
using sesame::ldap::LdapDirectoryConfig;
using LdapErrc = sesame::ldap::Errc;
using core::ProfileAssignment;
using Strings = std::vector<std::string>;

namespace {

const std::string sourceDir = SESAME_SOURCE_DIR;

std::string testLdapUri() {
    const char* uri = std::getenv("SESAME_TEST_LDAP");
    if (!uri || !*uri)
        FAIL(
            "SESAME_TEST_LDAP is not set. These tests need the demo slapd:\n"
            "  scripts/slapd.sh start /tmp/sesame-slapd <free port>\n"
            "  SESAME_TEST_LDAP=ldap://127.0.0.1:<port> ctest -L ldap --output-on-failure\n"
            "(stop it with: scripts/slapd.sh stop /tmp/sesame-slapd)");
    return uri;
}

// A directory of etc/sesame.yml (academie, commune, ent), pointed at `uri`.
LdapDirectoryConfig demoConfig(const std::string& id, const std::string& uri) {
    auto root = test::yamlFile(sourceDir + "/etc/sesame.yml");
    for (const auto& item : root["directories"].items()) {
        if (item["id"].scalar() != id) continue;
        core::ConfigErrors errors;
        auto config = LdapDirectoryConfig::parse(item, errors);
        INFO(errors.format());
        REQUIRE(errors.empty());
        config.uri = uri;
        return config;
    }
    FAIL("no directory " << id << " in etc/sesame.yml");
    return {};
}

template <class T>
T run(asio::awaitable<T> op) {
    asio::io_context io;
    std::optional<T> out;
    asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
        if (e) std::rethrow_exception(e);
        out.emplace(std::move(value));
    });
    io.run();
    REQUIRE(out.has_value());
    return std::move(*out);
}

Result<core::Identity> login(LdapDirectory& dir, const std::string& user,
                             const std::string& password = "demo") {
    return run(dir.verify(user, password));
}

error_code errorOf(const Result<core::Identity>& r) {
    return r ? error_code{} : r.error();
}

unsigned short freePort() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string makeTempDir() {
    char name[] = "/tmp/sesame-ldap-test-XXXXXX";
    REQUIRE(mkdtemp(name) != nullptr);
    return name;
}

// A slapd of the test's own, from scripts/slapd.sh, in a fresh temporary folder. `environment`
// is prepended to the command (SLAPD_TLS_CERT=... for StartTLS).
class PrivateSlapd {
  public:
    explicit PrivateSlapd(std::string environment = {})
        : port_(freePort()), dir_(makeTempDir()), environment_(std::move(environment)) {
        start();
    }
    ~PrivateSlapd() {
        stop();
        std::filesystem::remove_all(dir_);
    }
    std::string uri() const { return "ldap://127.0.0.1:" + std::to_string(port_); }
    void start() {
        auto cmd = environment_ + " " + sourceDir + "/scripts/slapd.sh start " + dir_ + " " +
                   std::to_string(port_) + " >/dev/null";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    void stop() { std::system((sourceDir + "/scripts/slapd.sh stop " + dir_).c_str()); }

  private:
    unsigned short port_;
    std::string dir_;
    std::string environment_;
};

// A self-signed certificate for 127.0.0.1 (subjectAltName IP, RFC 6125) made by openssl(1).
void makeCertificate(const std::string& dir, const std::string& name) {
    auto cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
        " -addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir + "/" + name + ".key -out " + dir + "/" + name + ".crt 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
}

}  // namespace

TEST_CASE("teachers and directors log in at the academic directory", "[ldap]") {
    LdapDirectory academie(demoConfig("academie", testLdapUri()));
    auto prof = login(academie, "prof.herriot");
    INFO(errorOf(prof).message());
    REQUIRE(prof.has_value());
    CHECK(prof->directory == "academie");
    CHECK(prof->subject == "AC-DEMO$1000001");
    CHECK(prof->login == "prof.herriot");
    CHECK(prof->displayName == "Camille Durand");
    CHECK(prof->email == "camille.durand@ac-demo.fr");
    CHECK(prof->profiles == std::vector<ProfileAssignment>{{"National_ENS", "0690001A"}});
    CHECK(prof->functions == Strings{"ENS"});
    CHECK(prof->authMethod == "password");
    CHECK(prof->assurance == "low");
    CHECK(prof->authTime > 0);

    auto dir = login(academie, "dir.herriot");
    REQUIRE(dir.has_value());
    CHECK(dir->profiles == std::vector<ProfileAssignment>{{"National_DIR", "0690001A"}});
    CHECK(dir->functions == Strings{"DIR"});
}

TEST_CASE("a commune agent's AD group gives National_COL", "[ldap]") {
    LdapDirectory commune(demoConfig("commune", testLdapUri()));
    auto agent = login(commune, "agent.mairie");
    INFO(errorOf(agent).message());
    REQUIRE(agent.has_value());
    CHECK(agent->profiles == std::vector<ProfileAssignment>{{"National_COL", "0690001A"}});
    CHECK(agent->subject == "2b5e7c3a-d491-0b4f-8e6a-2c1d9f0b4a11");  // objectGUID, AD-style
    CHECK(agent->displayName == "Karim Petit");
}

TEST_CASE("pupils and parents log in at the ENT directory", "[ldap]") {
    LdapDirectory ent(demoConfig("ent", testLdapUri()));
    auto pupil = login(ent, "eleve.herriot");
    INFO(errorOf(pupil).message());
    REQUIRE(pupil.has_value());
    CHECK(pupil->profiles == std::vector<ProfileAssignment>{{"National_ELV", "0690001A"}});
    CHECK(pupil->classes == Strings{"0690001A$CM1-A"});

    auto parent = login(ent, "parent.herriot");
    REQUIRE(parent.has_value());
    CHECK(parent->profiles == std::vector<ProfileAssignment>{{"National_TUT", "0690001A"}});
    CHECK(parent->children == Strings{pupil->subject});
}

TEST_CASE("a wrong password and an unknown login cannot be told apart", "[ldap]") {
    LdapDirectory academie(demoConfig("academie", testLdapUri()));
    CHECK(errorOf(login(academie, "prof.herriot", "wrong")) == Errc::invalid_credentials);
    CHECK(errorOf(login(academie, "nobody.herriot", "demo")) == Errc::invalid_credentials);
    // RFC 4513 §5.1.2: an empty password would be an unauthenticated bind, "successful".
    CHECK(errorOf(login(academie, "prof.herriot", "")) == Errc::invalid_credentials);
    // An account of another directory is unknown here.
    CHECK(errorOf(login(academie, "eleve.herriot", "demo")) == Errc::invalid_credentials);
    // The login matches without case, as uid does.
    CHECK(login(academie, "Prof.Herriot").has_value());
}

TEST_CASE("filter metacharacters in a login find nobody", "[ldap]") {
    LdapDirectory academie(demoConfig("academie", testLdapUri()));
    for (std::string injected : {"*", ")(uid=*", "prof.herriot)(uid=*", "*)(|(uid=*", "prof*"}) {
        INFO(injected);
        CHECK(errorOf(login(academie, injected, "demo")) == Errc::invalid_credentials);
        auto found = run(academie.lookup(injected));
        REQUIRE(found.has_error());
        CHECK(found.error() == Errc::not_found);
    }
}

TEST_CASE("lookup shows an academy the raw entry and its mapping", "[ldap]") {
    LdapDirectory commune(demoConfig("commune", testLdapUri()));
    auto found = run(commune.lookup("agent.mairie"));
    INFO((found ? std::string() : found.error().message()));
    REQUIRE(found.has_value());
    CHECK(found->entryName == "cn=Karim Petit,ou=agents,dc=mairie-demo,dc=fr");
    CHECK(found->raw.values("sAMAccountName") == Strings{"agent.mairie"});
    CHECK(found->raw.values("memberOf").size() == 2);
    CHECK(found->raw.values("userPrincipalName") == Strings{"agent.mairie@mairie-demo.fr"});
    CHECK(found->raw.values("objectGUID") == Strings{"2b5e7c3a-d491-0b4f-8e6a-2c1d9f0b4a11"});
    CHECK_FALSE(found->raw.has("userPassword"));
    CHECK(found->mapped.hasProfile("National_COL"));
    CHECK(found->mapped.directory == "commune");

    auto missing = run(commune.lookup("nobody"));
    REQUIRE(missing.has_error());
    CHECK(missing.error() == Errc::not_found);
}

TEST_CASE("anonymous clients and a wrong service password read nothing", "[ldap]") {
    auto anonymous = demoConfig("academie", testLdapUri());
    anonymous.bindDn.clear();
    anonymous.bindPassword.clear();
    LdapDirectory anon(anonymous);
    CHECK(errorOf(login(anon, "prof.herriot")) == Errc::invalid_credentials);

    auto wrong = demoConfig("academie", testLdapUri());
    wrong.bindPassword = "not-the-service-password";
    LdapDirectory refused(wrong);
    CHECK(errorOf(login(refused, "prof.herriot")) == Errc::unavailable);
    auto probe = run(refused.probe());
    REQUIRE(probe.has_error());
    CHECK(probe.error() == LdapErrc::service_bind_refused);

    LdapDirectory academie(demoConfig("academie", testLdapUri()));
    CHECK(run(academie.probe()).has_value());
}

TEST_CASE("concurrent logins share the connection pool", "[ldap]") {
    LdapDirectory ent(demoConfig("ent", testLdapUri()));  // pool_size 4
    asio::io_context io;
    int verified = 0, refused = 0;
    for (int i = 0; i < 12; ++i) {
        asio::co_spawn(
            io,
            [&, i]() -> asio::awaitable<void> {
                auto r = co_await ent.verify(i % 2 ? "eleve.herriot" : "parent.herriot",
                                             i % 3 ? "demo" : "wrong");
                (r ? verified : refused)++;
            },
            asio::detached);
    }
    io.run();
    CHECK(verified == 8);
    CHECK(refused == 4);
}

TEST_CASE("a directory on a closed port is unavailable at once", "[ldap]") {
    auto uri = "ldap://127.0.0.1:" + std::to_string(freePort());
    LdapDirectory down(demoConfig("academie", uri));
    auto start = std::chrono::steady_clock::now();
    CHECK(errorOf(login(down, "prof.herriot")) == Errc::unavailable);
    auto probe = run(down.probe());
    REQUIRE(probe.has_error());
    CHECK(probe.error() == Errc::unavailable);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("a directory that never answers times out without holding the event loop", "[ldap]") {
    // Accepts TCP connections (the kernel does, from the backlog) and never says a word.
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    auto config = demoConfig("academie",
                             "ldap://127.0.0.1:" + std::to_string(silent.local_endpoint().port()));
    config.operationTimeout = std::chrono::seconds(1);
    LdapDirectory mute(config);

    std::vector<std::string> order;
    error_code result;
    auto start = std::chrono::steady_clock::now();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto r = co_await mute.verify("prof.herriot", "demo");
            result = errorOf(r);
            order.push_back("login answered");
        },
        asio::detached);
    asio::post(io, [&] { order.push_back("other request served"); });
    io.run();
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(result == Errc::timeout);
    CHECK(order == Strings{"other request served", "login answered"});
    CHECK(elapsed >= std::chrono::milliseconds(900));
    CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("a directory that restarts works again with the same connector", "[ldap]") {
    testLdapUri();  // same prerequisites as the other [ldap] tests (slapd installed, root)
    PrivateSlapd slapd;
    LdapDirectory academie(demoConfig("academie", slapd.uri()));
    REQUIRE(login(academie, "prof.herriot").has_value());  // its connections are now pooled

    // Restarted between two logins: the pooled connections are dead, a fresh one is made.
    slapd.stop();
    slapd.start();
    CHECK(login(academie, "prof.herriot").has_value());

    // Down: a clear "unavailable"; back: the next login works.
    slapd.stop();
    CHECK(errorOf(login(academie, "prof.herriot")) == Errc::unavailable);
    CHECK(run(academie.probe()).has_error());
    slapd.start();
    CHECK(login(academie, "prof.herriot").has_value());
    CHECK(run(academie.probe()).has_value());
}

TEST_CASE("StartTLS checks the directory's certificate against ca_file", "[ldap]") {
    testLdapUri();
    auto certs = makeTempDir();
    makeCertificate(certs, "slapd");
    makeCertificate(certs, "stranger");
    {
        PrivateSlapd slapd("SLAPD_TLS_CERT=" + certs + "/slapd.crt SLAPD_TLS_KEY=" + certs +
                           "/slapd.key");
        auto config = demoConfig("academie", slapd.uri());
        config.startTls = true;
        config.caFile = certs + "/slapd.crt";
        LdapDirectory trusted(config);
        auto prof = login(trusted, "prof.herriot");
        INFO(errorOf(prof).message());
        CHECK(prof.has_value());
        CHECK(errorOf(login(trusted, "prof.herriot", "wrong")) == Errc::invalid_credentials);

        // A certificate no configured CA signed: nothing is sent, not even the service bind.
        config.caFile = certs + "/stranger.crt";
        LdapDirectory impostor(config);
        CHECK(errorOf(login(impostor, "prof.herriot")) == Errc::unavailable);
    }
    std::filesystem::remove_all(certs);
}
