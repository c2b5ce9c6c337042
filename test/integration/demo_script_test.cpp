// scripts/demo.sh as CI, a supervisor or a test harness runs it: from a parent script, in that
// parent's process group. Stopping the demo must stop every server it started and nothing else:
// Apache httpd's prefork parent signals its whole process group when it stops, so a server left
// in the demo's group takes the parent down with it.
//
// The demo runs from a copy of scripts/ and etc/ (its data folder, var/demo, is then the copy's
// own) with the sesame binary of this build (SESAME_BINARY: no installation, no build) and, when
// the test may create one (root), in a network namespace of its own, so that its fixed ports
// meet neither a demo nor another test run on this machine.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "test/integration/sesame_instance.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame::testing;

namespace {

// Starts the demo in the background (same process group: no job control in a script), waits
// until its last server (Apache) answers, stops the demo with SIGTERM as a supervisor would, and
// says whether it is still alive afterwards.
constexpr const char* parentScript = R"(set -u
[ "${SESAME_DEMO_NETNS:-}" = 1 ] && ip link set lo up
bash "$1/scripts/demo.sh" >"$2/demo.out" 2>"$2/demo.err" &
demo=$!
ready=0
for _ in $(seq 1 1200); do
  if curl -sf -o /dev/null http://127.0.0.1:8081/ping; then ready=1; break; fi
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  echo "the demo did not start:"; tail -n 30 "$2/demo.err"; kill "$demo" 2>/dev/null; exit 3
fi
echo "parent: pgid $(ps -o pgid= -p $$ | tr -d ' '), demo servers:"
ps -o pid=,pgid=,comm= --ppid "$demo"
kill -TERM "$demo"
wait "$demo"
echo "parent: demo exited with $?"
# Nothing the demo started may outlive it: its ports are closed.
for port in 6380 3389 8443 8081; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port still open"; exit 4; fi
done
echo "parent: still alive"
)";

bool canUseNetworkNamespace() {
    if (::geteuid() != 0) return false;
    return runCommand(
               ProcessSpec{
                   "unshare", {"--net", "true"}, {}, {}, TempDir("netns").path(), "unshare-probe"})
               .exitCode == 0;
}

}  // namespace

TEST_CASE("stopping the demo stops its servers and leaves the script that started it alive",
          "[interop]") {
    TempDir dir("sesame-demo-script");
    // Apache's children (www-data when the test runs as root) read the demo's files in there.
    std::filesystem::permissions(
        dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                        std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                        std::filesystem::perms::others_exec);
    const auto copy = dir / "src";
    std::filesystem::create_directories(copy);
    for (const char* part : {"scripts", "etc"})
        std::filesystem::copy(sourceDir() / part, copy / part,
                              std::filesystem::copy_options::recursive);
    writeFile(dir / "parent.sh", parentScript);

    const bool netns = canUseNetworkNamespace();
    ProcessSpec spec;
    if (netns) {
        spec.program = "unshare";
        spec.args = {"--net", "bash", (dir / "parent.sh").string(), copy.string(),
                     dir.path().string()};
    } else {
        spec.program = "bash";
        spec.args = {(dir / "parent.sh").string(), copy.string(), dir.path().string()};
    }
    spec.env = {{"SESAME_BINARY", sesameBinary().string()},
                {"SESAME_DEMO_NETNS", netns ? "1" : "0"}};
    spec.workingDir = dir.path();
    spec.logDir = dir.path();
    spec.name = "parent";
    auto result = runCommand(spec, std::chrono::minutes(3));
    // slapd detaches (its own session): stopped by its PID file whatever happened to the demo.
    runCommand(ProcessSpec{"bash",
                           {(copy / "scripts" / "slapd.sh").string(), "stop",
                            (copy / "var" / "demo" / "slapd").string()},
                           {},
                           {},
                           dir.path(),
                           "slapd-stop"});
    INFO(result.output);
    INFO("demo stderr:\n" << readFile(dir / "demo.err"));
    // 143 = 128 + SIGTERM: the parent was killed along with the demo's process group.
    CHECK(result.exitCode == 0);
    CHECK(result.output.find("parent: demo exited with") != std::string::npos);
    CHECK(result.output.find("parent: still alive") != std::string::npos);
}
