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

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "test/integration/sesame_instance.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame::testing;

namespace {

// $1 the copy of the source tree, $2 a folder for logs, $3 the demo's argument ("" or --ha), then
// the ports the demo listens on. Starts the demo in the background (same process group: no job
// control in a script), waits until its last server (Apache) answers, with --ha kills a node and
// the Redis master, stops the demo with SIGTERM as a supervisor would, and says whether the
// parent is still alive afterwards.
constexpr const char* parentScript = R"sh(set -u
copy=$1 logs=$2 mode=$3
shift 3
[ "${SESAME_DEMO_NETNS:-}" = 1 ] && ip link set lo up
bash "$copy/scripts/demo.sh" $mode >"$logs/demo.out" 2>"$logs/demo.err" &
demo=$!
echo "$demo" >"$logs/demo.pid"
ready=0
for _ in $(seq 1 1200); do
  if curl -sf -o /dev/null http://127.0.0.1:8081/ping; then ready=1; break; fi
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  echo "the demo did not start:"; tail -n 30 "$logs/demo.err"; kill "$demo" 2>/dev/null; exit 3
fi
echo "parent: pgid $(ps -o pgid= -p $$ | tr -d ' '), demo servers:"
ps -o pid=,pgid=,args= --ppid "$demo"
if [ "$mode" = --ha ]; then
  # The demo's own servers only (its children), never a process of the same name elsewhere.
  child() { ps -o pid=,args= --ppid "$demo" | awk -v p="$1" 'index($0, p) { print $1; exit }'; }
  node1=$(child node1.yml) master=$(child "redis-server 127.0.0.1:6380")
  [ -n "$node1" ] && [ -n "$master" ] || { echo "no node 1 or Redis master among the demo's servers"; exit 5; }
  kill -9 "$node1"
  echo "parent: node 1 killed, /readyz through HAProxy: $(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:8443/readyz)"
  kill "$master"
  for _ in $(seq 1 300); do
    [ "$(redis-cli -p 26379 sentinel get-master-addr-by-name sesame | tail -n 1)" = 6381 ] && break
    sleep 0.1
  done
  echo "parent: Redis master killed, the sentinels name port $(redis-cli -p 26379 sentinel get-master-addr-by-name sesame | tail -n 1)"
  # The nodes follow the failover through the sentinels.
  code=000 deadline=$((SECONDS + 30))
  while [ "$code" != 200 ] && [ "$SECONDS" -lt "$deadline" ]; do
    code=$(curl -sk --max-time 3 -o /dev/null -w '%{http_code}' https://127.0.0.1:8443/readyz)
    sleep 0.1
  done
  echo "parent: after the failover, /readyz through HAProxy: $code"
  kill -0 "$demo" 2>/dev/null && echo "parent: the demo is still running"
fi
kill -TERM "$demo"
wait "$demo"
echo "parent: demo exited with $?"
# Nothing the demo started may outlive it: its ports are closed.
for port in "$@"; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port still open"; exit 4; fi
done
echo "parent: still alive"
)sh";

bool canUseNetworkNamespace() {
    if (::geteuid() != 0) return false;
    return runCommand(
               ProcessSpec{
                   "unshare", {"--net", "true"}, {}, {}, TempDir("netns").path(), "unshare-probe"})
               .exitCode == 0;
}

struct DemoRun {
    CommandResult result;
    std::string demoErr;
};

// Runs the parent script on a copy of scripts/ and etc/ (in a network namespace of its own when
// the test may make one).
DemoRun runDemo(const std::string& mode, const std::vector<std::string>& ports) {
    TempDir dir("sesame-demo-script");
    // Apache's children (www-data when the test runs as root) read the demo's files in there.
    using std::filesystem::perms;
    std::filesystem::permissions(dir.path(), perms::owner_all | perms::group_read |
                                                 perms::group_exec | perms::others_read |
                                                 perms::others_exec);
    const auto copy = dir / "src";
    std::filesystem::create_directories(copy);
    for (const char* part : {"scripts", "etc"})
        std::filesystem::copy(sourceDir() / part, copy / part,
                              std::filesystem::copy_options::recursive);
    writeFile(dir / "parent.sh", parentScript);

    const bool netns = canUseNetworkNamespace();
    ProcessSpec spec;
    spec.program = netns ? "unshare" : "bash";
    if (netns) spec.args = {"--net", "bash"};
    for (const auto& arg : {(dir / "parent.sh").string(), copy.string(), dir.path().string(), mode})
        spec.args.push_back(arg);
    spec.args.insert(spec.args.end(), ports.begin(), ports.end());
    spec.env = {{"SESAME_BINARY", sesameBinary().string()},
                {"SESAME_DEMO_NETNS", netns ? "1" : "0"}};
    spec.workingDir = dir.path();
    spec.logDir = dir.path();
    spec.name = "parent";
    DemoRun run;
    // A parent stopped on a timeout leaves its demo behind (another process group, maybe another
    // network namespace): stopped here by its PID, as a supervisor would, once sure it is ours.
    struct LeftoverDemo {
        std::filesystem::path pidFile;
        bool parentFinished = false;
        ~LeftoverDemo() {
            if (parentFinished || !std::filesystem::exists(pidFile)) return;
            try {
                std::string pid = readFile(pidFile);
                pid.erase(pid.find_last_not_of("\n") + 1);
                const auto cmdline = std::filesystem::path("/proc") / pid / "cmdline";
                if (!std::filesystem::exists(cmdline) ||
                    readFile(cmdline).find(pidFile.parent_path().string()) == std::string::npos)
                    return;
                ::kill(std::stoi(pid), SIGTERM);
                for (int i = 0; i < 300 && std::filesystem::exists(cmdline); ++i)
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
            } catch (const std::exception&) {
                // The demo went away meanwhile: nothing left to stop.
            }
        }
    } leftover{dir / "demo.pid"};
    run.result = runCommand(spec, std::chrono::minutes(3));
    leftover.parentFinished = true;
    // slapd detaches (its own session): stopped by its PID file whatever happened to the demo.
    runCommand(ProcessSpec{"bash",
                           {(copy / "scripts" / "slapd.sh").string(), "stop",
                            (copy / "var" / "demo" / "slapd").string()},
                           {},
                           {},
                           dir.path(),
                           "slapd-stop"});
    if (std::filesystem::exists(dir / "demo.err")) run.demoErr = readFile(dir / "demo.err");
    return run;
}

}  // namespace

TEST_CASE("stopping the demo stops its servers and leaves the script that started it alive",
          "[interop]") {
    auto run = runDemo("", {"6380", "3389", "8443", "8081"});
    INFO(run.result.output);
    INFO("demo stderr:\n" << run.demoErr);
    // 143 = 128 + SIGTERM: the parent was killed along with the demo's process group.
    CHECK(run.result.exitCode == 0);
    CHECK(run.result.output.find("parent: demo exited with") != std::string::npos);
    CHECK(run.result.output.find("parent: still alive") != std::string::npos);
}

TEST_CASE("demo --ha goes on when a node and the Redis master die, and stops cleanly",
          "[interop]") {
    auto run = runDemo("--ha", {"6380", "6381", "26379", "26380", "26381", "3389", "8001", "8002",
                                "8404", "8443", "8081"});
    INFO(run.result.output);
    INFO("demo stderr:\n" << run.demoErr);
    CHECK(run.result.exitCode == 0);
    // HAProxy answers from node 2 at once: the request that met the dead node went there.
    CHECK(run.result.output.find("node 1 killed, /readyz through HAProxy: 200") !=
          std::string::npos);
    CHECK(run.result.output.find("the sentinels name port 6381") != std::string::npos);
    CHECK(run.result.output.find("parent: the demo is still running") != std::string::npos);
    // The nodes reach Redis through the sentinels: they follow the failover by themselves.
    CHECK(run.result.output.find("after the failover, /readyz through HAProxy: 200") !=
          std::string::npos);
    CHECK(run.demoErr.find("Sesame node 1") != std::string::npos);
    CHECK(run.demoErr.find("the demo goes on without it") != std::string::npos);
    CHECK(run.result.output.find("parent: still alive") != std::string::npos);
}
