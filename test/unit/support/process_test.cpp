// Integration tests start real servers with Process and must never hang or leave one behind: a
// stop that does not reap, or a wait that does not say what it waited for, costs hours in CI.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "test/support/harness_error.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame::testing;

namespace {
ProcessSpec shell(const TempDir& dir, std::string script) {
    ProcessSpec spec;
    spec.program = "/bin/sh";
    spec.args = {"-c", std::move(script)};
    spec.logDir = dir.path();
    spec.name = "sh";
    return spec;
}
}  // namespace

TEST_CASE("a process gets its arguments, environment and directory, and logs to files",
          "[unit][process]") {
    TempDir dir;
    auto spec = shell(dir, "echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 3");
    spec.env = {{"GREETING", "bonjour"}};
    spec.workingDir = "/usr";
    CommandResult r = runCommand(spec, 10s);
    CHECK(r.exitCode == 3);
    CHECK(r.output == "bonjour from /usr\noops\n");
}

TEST_CASE("stop() ends a process that ignores SIGTERM, and reaps it", "[unit][process]") {
    TempDir dir;
    Process p(shell(dir, "trap '' TERM; echo ready; while :; do sleep 1; done"));
    waitUntil([&] { return readFile(p.stdoutPath()) == "ready\n"; }, 10s, "the shell to trap TERM",
              &p);
    const pid_t pid = p.pid();
    CHECK(p.running());
    p.stop(200ms);
    CHECK_FALSE(p.running());
    CHECK(p.exitCode() == 128 + SIGKILL);
    CHECK(::kill(pid, 0) != 0);  // reaped: the PID no longer exists
}

TEST_CASE("waitUntil reports what it waited for and the process's log", "[unit][process]") {
    TempDir dir;
    Process p(shell(dir, "echo 'listening soon' >&2; exec sleep 30"));
    try {
        waitUntil([] { return false; }, 100ms, "the moon", &p);
        FAIL("waitUntil returned");
    } catch (const HarnessError& e) {
        std::string what = e.what();
        CHECK(what.find("timed out") != std::string::npos);
        CHECK(what.find("the moon") != std::string::npos);
        CHECK(what.find("listening soon") != std::string::npos);
    }

    Process quits(shell(dir, "echo 'bind: Address already in use' >&2; exit 1"));
    CHECK_THROWS_WITH(waitUntil([] { return false; }, 10s, "a port", &quits),
                      Catch::Contains("exited with code 1") && Catch::Contains("already in use"));
}

TEST_CASE("a program that cannot be executed is an error, not a silent exit", "[unit][process]") {
    TempDir dir;
    ProcessSpec spec;
    spec.program = "/nonexistent/server";
    spec.logDir = dir.path();
    CHECK_THROWS_WITH(Process(spec), Catch::Contains("cannot execute /nonexistent/server"));
}

TEST_CASE("freePort gives a port nobody listens on", "[unit][process]") {
    int port = freePort();
    CHECK(port > 1024);
    CHECK_FALSE(tcpAccepts("127.0.0.1", port));
    CHECK_THROWS_WITH(waitForTcp("127.0.0.1", port, 50ms), Catch::Contains(std::to_string(port)));
}

TEST_CASE("runCommand keeps stderr when stdout is empty", "[unit][process]") {
    TempDir dir;
    CommandResult r = runCommand(shell(dir, "echo 'only an error' >&2; exit 2"), 10s);
    CHECK(r.exitCode == 2);
    CHECK(r.output == "only an error\n");
}
