// LDAP directory configuration and filter building: what an academy writes, what it is told.
#include <catch2/catch.hpp>

#include "connectors/ldap/ldap_directory_config.hpp"
#include "connectors/ldap/ldap_error.hpp"
#include "connectors/ldap/ldap_filter.hpp"
#include "test/unit/connectors/yaml_node.hpp"

using namespace sesame;
using sesame::core::ConfigErrors;

namespace {

std::string errorsOf(const std::string& yaml) {
    ConfigErrors errors;
    ldap::LdapDirectoryConfig::parse(test::yamlNode(yaml, "etc/sesame.yml"), errors);
    return errors.format();
}

}  // namespace

TEST_CASE("a login cannot change the meaning of the user filter", "[unit][ldap]") {
    // RFC 4515 §3
    CHECK(ldap::userFilter("(uid={login})", "prof.herriot") == "(uid=prof.herriot)");
    CHECK(ldap::userFilter("(uid={login})", "*") == "(uid=\\2a)");
    CHECK(ldap::userFilter("(uid={login})", ")(uid=*") == "(uid=\\29\\28uid=\\2a)");
    CHECK(ldap::userFilter("(uid={login})", "a\\b") == "(uid=a\\5cb)");
    CHECK(ldap::userFilter("(uid={login})", std::string("a\0b", 3)) == "(uid=a\\00b)");
    CHECK(ldap::userFilter("(|(uid={login})(mail={login}))", "é*") == "(|(uid=é\\2a)(mail=é\\2a))");
}

TEST_CASE("user filters are checked at start", "[unit][ldap]") {
    CHECK(ldap::checkUserFilter("(uid={login})").empty());
    CHECK(ldap::checkUserFilter("(&(objectClass=person)(uid={login}))").empty());
    CHECK_THAT(ldap::checkUserFilter("(uid=%s)"), Catch::Contains("{login}"));
    CHECK_THAT(ldap::checkUserFilter("uid={login}"), Catch::Contains("parentheses"));
    CHECK_THAT(ldap::checkUserFilter("(uid={login})(cn=x)"), Catch::Contains("one filter"));
    CHECK_THAT(ldap::checkUserFilter("((uid={login})"), Catch::Contains("unbalanced"));
}

TEST_CASE("the demo configuration's LDAP directories parse", "[unit][ldap]") {
    auto root = test::yamlFile(std::string(SESAME_SOURCE_DIR) + "/etc/sesame.yml");
    int ldapDirectories = 0;
    for (const auto& item : root["directories"].items()) {
        if (item["type"].scalar() != "ldap") continue;
        ++ldapDirectories;
        ConfigErrors errors;
        auto c = ldap::LdapDirectoryConfig::parse(item, errors);
        INFO(errors.format());
        CHECK(errors.empty());
        CHECK(c.bindPassword == "sesame-demo-service");  // etc/demo/ldap/sesame.password
        CHECK(c.operationTimeout == std::chrono::seconds(3));
    }
    CHECK(ldapDirectories == 3);
}

TEST_CASE("LDAP configuration mistakes say what was expected", "[unit][ldap]") {
    auto text = errorsOf(R"yaml(
id: academie
type: ldap
uri: ldaps://ldap.ac-demo.fr
start_tls: true
base_dn: personnels
user_filter: "(uid=%s)"
bind_dn: cn=sesame,dc=ac-demo,dc=fr
bind_password_file: /nonexistent/sesame.password
pool_size: 0
timeout: soon
tls: yes
)yaml");
    INFO(text);
    CHECK_THAT(text, Catch::Contains("etc/sesame.yml:12: tls: unknown key"));
    CHECK_THAT(text, Catch::Contains("start_tls: start_tls is for ldap:// URIs"));
    CHECK_THAT(text, Catch::Contains("base_dn: expected a DN"));
    CHECK_THAT(text, Catch::Contains("user_filter: user filter must contain {login}"));
    CHECK_THAT(text, Catch::Contains("cannot read the password file /nonexistent/sesame.password"));
    CHECK_THAT(text, Catch::Contains("pool_size: expected a whole number from 1 to 32"));
    CHECK_THAT(text, Catch::Contains("timeout: expected a duration"));
}

TEST_CASE("passwords may not cross a network in clear", "[unit][ldap]") {
    std::string base = "id: x\nbase_dn: dc=x,dc=fr\n";
    CHECK_THAT(errorsOf(base + "uri: ldap://ldap.mairie-demo.fr\n"),
               Catch::Contains("passwords would cross the network in clear"));
    CHECK(errorsOf(base + "uri: ldap://ldap.mairie-demo.fr\nstart_tls: true\n").empty());
    CHECK(errorsOf(base + "uri: ldaps://ldap.mairie-demo.fr\n").empty());
    CHECK(errorsOf(base + "uri: ldap://127.0.0.1:3389\n").empty());
    CHECK(errorsOf(base + "uri: ldap://ldap.lan\nallow_cleartext: true\n").empty());
    CHECK_THAT(errorsOf(base + "uri: http://ldap.lan\n"), Catch::Contains("expected ldap://"));
    CHECK_THAT(errorsOf(base + "uri: ldap://127.0.0.1\nca_file: /etc/ssl/x.pem\n"),
               Catch::Contains("ca_file is only used with ldaps://"));
}

TEST_CASE("libldap errors become what a caller can act on", "[unit][ldap]") {
    using core::Errc;
    CHECK(ldap::toCoreError(ldap::ldapResult(-1)) == Errc::unavailable);   // LDAP_SERVER_DOWN
    CHECK(ldap::toCoreError(ldap::ldapResult(-11)) == Errc::unavailable);  // LDAP_CONNECT_ERROR
    CHECK(ldap::toCoreError(ldap::ldapResult(-5)) == Errc::timeout);       // LDAP_TIMEOUT
    CHECK(ldap::toCoreError(ldap::ldapResult(49)) == Errc::invalid_credentials);
    CHECK(ldap::toCoreError(ldap::make_error_code(ldap::Errc::service_bind_refused)) ==
          Errc::unavailable);
    CHECK(ldap::serverGone(ldap::ldapResult(-1)));
    CHECK_FALSE(ldap::breaksConnection(ldap::ldapResult(49)));
    CHECK(ldap::breaksConnection(ldap::ldapResult(-5)));
    CHECK(ldap::ldapResult(-1).message() == "Can't contact LDAP server");
}

TEST_CASE("the queue of logins waiting for a bind follows the pool unless configured",
          "[unit][ldap]") {
    const std::string base = "id: x\nuri: ldap://127.0.0.1:3389\nbase_dn: dc=x,dc=fr\n";
    core::ConfigErrors errors;
    auto byDefault = ldap::LdapDirectoryConfig::parse(
        test::yamlNode(base + "pool_size: 3\n", "etc/sesame.yml"), errors);
    REQUIRE(errors.empty());
    CHECK(byDefault.queueSize == 48);
    auto set = ldap::LdapDirectoryConfig::parse(
        test::yamlNode(base + "queue_size: 0\n", "etc/sesame.yml"), errors);
    REQUIRE(errors.empty());
    CHECK(set.queueSize == 0);
    CHECK_THAT(errorsOf(base + "queue_size: -1\n"),
               Catch::Contains("queue_size: expected a whole number from 0 to 10000"));
    CHECK_THAT(errorsOf(base + "queue_size: many\n"), Catch::Contains("queue_size"));
}
