// SlapdServer is how the [ldap] integration tests get the demo directories on a real slapd, and
// how they take one away ("an LDAP directory down gives a clear message"): restart keeps the port.
#include <catch2/catch.hpp>

#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {
CommandResult rootDse(const SlapdServer& slapd) {
    TempDir logs;
    ProcessSpec spec;
    spec.program = "ldapsearch";
    spec.args = {"-x", "-LLL", "-H", slapd.url(), "-b", "", "-s", "base", "namingContexts"};
    spec.logDir = logs.path();
    return runCommand(spec, 20s);
}
}  // namespace

TEST_CASE("slapd starts with the demo directories on a free port, stops and restarts", "[ldap]") {
    SlapdServer slapd;
    const int port = slapd.port();
    CommandResult r = rootDse(slapd);
    INFO(r.output);
    CHECK(r.exitCode == 0);
    CHECK(r.output.find("namingContexts:") != std::string::npos);

    slapd.stop();
    CHECK_FALSE(tcpAccepts("127.0.0.1", port));
    slapd.start();
    CHECK(slapd.port() == port);
    CHECK(rootDse(slapd).exitCode == 0);
}

TEST_CASE("a missing slapd.sh is named in the error", "[ldap]") {
    SlapdOptions options;
    options.script = "/nonexistent/slapd.sh";
    CHECK_THROWS_WITH(SlapdServer(options), Catch::Contains("/nonexistent/slapd.sh not found"));
}
