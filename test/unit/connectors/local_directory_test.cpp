// Local accounts of after-school partners: what a partner and an attacker observe at login.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "connectors/local/local_directory.hpp"
#include "connectors/local/password_hash.hpp"
#include "test/unit/connectors/yaml_node.hpp"

namespace asio = boost::asio;
using namespace sesame;
using sesame::core::Errc;

namespace {

// Cheap hashes keep the unit tests fast; the cost is a parameter, not a different code path.
const local::HashCost testCost{1024, 1, 1};

std::string hashOf(const std::string& password) {
    return *local::hashPassword(password, testCost);
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

local::LocalDirectory partners(const core::Clock* clock = nullptr) {
    local::LocalAccount a;
    a.login = "anim.periscolaire";
    a.passwordHash = hashOf("demo");
    a.displayName = "Léa Roux";
    a.givenName = "Léa";
    a.familyName = "Roux";
    a.email = "lea.roux@asso-demo.fr";
    a.subject = "anim.periscolaire";
    a.profiles = {"Local_PERISCOLAIRE"};
    a.structures = {"0690001A"};
    local::LocalDirectoryConfig config;
    config.id = "partenaires";
    return local::LocalDirectory(config, {a}, clock);
}

}  // namespace

TEST_CASE("a partner logs in with her password and gets her local profile", "[unit][local]") {
    core::ManualClock clock(1'750'000'000);
    auto dir = partners(&clock);
    auto id = run(dir.verify("anim.periscolaire", "demo"));
    REQUIRE(id.has_value());
    CHECK(id->directory == "partenaires");
    CHECK(id->login == "anim.periscolaire");
    CHECK(id->displayName == "Léa Roux");
    CHECK(id->profiles == std::vector<core::ProfileAssignment>{{"Local_PERISCOLAIRE", "0690001A"}});
    CHECK(id->structures == std::vector<std::string>{"0690001A"});
    CHECK(id->authMethod == "password");
    CHECK(id->assurance == "low");
    CHECK(id->authTime == 1'750'000'000);
    // The login is matched without case, as LDAP directories match uid.
    CHECK(run(dir.verify("Anim.Periscolaire", "demo")).has_value());
}

TEST_CASE("wrong password, unknown login and empty password look the same", "[unit][local]") {
    auto dir = partners();
    auto wrong = run(dir.verify("anim.periscolaire", "Demo"));
    auto unknown = run(dir.verify("nobody", "demo"));
    auto empty = run(dir.verify("anim.periscolaire", ""));
    REQUIRE(wrong.has_error());
    REQUIRE(unknown.has_error());
    REQUIRE(empty.has_error());
    CHECK(wrong.error() == Errc::invalid_credentials);
    CHECK(unknown.error() == Errc::invalid_credentials);
    CHECK(empty.error() == Errc::invalid_credentials);
}

TEST_CASE("verification does not hold the caller's event loop", "[unit][local]") {
    // A handler queued after the login starts runs before the login ends: the hash was computed
    // elsewhere. The coroutine then resumes on the caller's thread.
    auto dir = partners();
    asio::io_context io;
    std::vector<std::string> order;
    std::thread::id resumedOn;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto r = co_await dir.verify("anim.periscolaire", "demo");
            resumedOn = std::this_thread::get_id();
            order.push_back(r ? "verified" : "refused");
        },
        asio::detached);
    asio::post(io, [&] { order.push_back("other request"); });
    io.run();
    CHECK(order == std::vector<std::string>{"other request", "verified"});
    CHECK(resumedOn == std::this_thread::get_id());
}

TEST_CASE("lookup shows the account without its hash", "[unit][local]") {
    auto dir = partners();
    auto found = run(dir.lookup("anim.periscolaire"));
    REQUIRE(found.has_value());
    CHECK(found->entryName == "anim.periscolaire");
    CHECK(found->mapped.hasProfile("Local_PERISCOLAIRE"));
    CHECK(found->raw.values("structures") == std::vector<std::string>{"0690001A"});
    for (const auto& [name, values] : found->raw.all())
        for (const auto& v : values) CHECK(v.find("$argon2id$") == std::string::npos);
    auto missing = run(dir.lookup("nobody"));
    REQUIRE(missing.has_error());
    CHECK(missing.error() == Errc::not_found);
}

TEST_CASE("sesame passwd hashes are argon2id with OWASP costs and fresh salts", "[unit][local]") {
    auto a = local::hashPassword("demo");
    auto b = local::hashPassword("demo");
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK_THAT(*a, Catch::StartsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
    CHECK(*a != *b);  // salts differ
    CHECK(local::parseArgon2idHash(*a) == local::HashCost{19456, 2, 1});
    CHECK(local::verifyPassword(*a, "demo"));
    CHECK_FALSE(local::verifyPassword(*a, "demo "));
    CHECK_FALSE(local::verifyPassword("not a hash", "demo"));
    CHECK_FALSE(local::parseArgon2idHash("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"));
    CHECK_FALSE(local::parseArgon2idHash("$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"));
}

TEST_CASE("accounts file mistakes name the file, line and key", "[unit][local]") {
    std::string good = hashOf("x");
    core::ConfigErrors errors;
    auto accounts = local::parseAccounts(sesame::test::yamlNode(R"(accounts:
  - login: anim.periscolaire
    password_hash: ")" + good + R"("
    profile: Local_PERISCOLAIRE
    structures: [0690001A]
  - login: anim.periscolaire
    password_hash: ")" + good + R"("
  - login: clair
    password_hash: "demo"
    structures: [69001]
  - password_hash: ")" + good + R"("
    mail: x@y
)",
                                                                "etc/demo/partners.yml"),
                                         errors);
    auto text = errors.format();
    INFO(text);
    CHECK(accounts.size() == 2);
    CHECK_THAT(text, Catch::Contains("etc/demo/partners.yml:6: accounts[1].login: login "
                                     "\"anim.periscolaire\" is given twice"));
    CHECK_THAT(text, Catch::Contains("etc/demo/partners.yml:9: accounts[2].password_hash: expected "
                                     "an argon2id hash"));
    CHECK_THAT(text, Catch::Contains("accounts[2].structures: expected UAIs"));
    CHECK_THAT(text, Catch::Contains("accounts[3].login: is required"));
    CHECK_THAT(text, Catch::Contains("accounts[3].mail: unknown key"));
    CHECK(errors.all().size() == 5);
}

TEST_CASE("the demo partners file holds anim.periscolaire with password demo", "[unit][local]") {
    std::string root = SESAME_SOURCE_DIR;
    core::ConfigErrors errors;
    auto config = local::LocalDirectoryConfig::parse(
        sesame::test::yamlNode("id: partenaires\ntype: local\naccounts_file: demo/partners.yml\n",
                               root + "/etc/sesame.yml"),
        errors);
    CHECK(config.accountsFile == root + "/etc/demo/partners.yml");
    auto accounts = local::parseAccounts(sesame::test::yamlFile(config.accountsFile), errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    local::LocalDirectory dir(config, accounts);
    auto id = run(dir.verify("anim.periscolaire", "demo"));
    REQUIRE(id.has_value());
    CHECK(id->hasProfile("Local_PERISCOLAIRE"));
    CHECK(id->structures == std::vector<std::string>{"0690001A"});
}

TEST_CASE("the queue of logins waiting for argon2 follows the threads unless configured",
          "[unit][local]") {
    const std::string base = "id: p\ntype: local\naccounts_file: p.yml\n";
    sesame::core::ConfigErrors errors;
    auto byDefault =
        local::LocalDirectoryConfig::parse(sesame::test::yamlNode(base + "threads: 2\n"), errors);
    REQUIRE(errors.empty());
    CHECK(byDefault.queueSize == 32);
    (void)local::LocalDirectoryConfig::parse(sesame::test::yamlNode(base + "queue_size: 10001\n"),
                                             errors);
    CHECK_THAT(errors.format(),
               Catch::Contains("queue_size: expected a whole number from 0 to 10000"));
}
