// scripts/demo.sh as CI, a supervisor or a test harness runs it: from a parent script, in that
// parent's process group. Stopping the demo must stop every server it started and nothing else:
// Apache httpd's prefork parent signals its whole process group when it stops, so a server left
// in the demo's group takes the parent down with it.
//
// While it runs, a demo person uses it as its banner says: logs in to the SAML service, reaches
// a CAS service without typing anything, logs out once; then logs in to the OpenID Connect
// service, sees their claims there, and is logged out of it by a logout elsewhere and by its own.
//
// The demo runs from a copy of what a clone of scripts/ and etc/ holds (its data folder, var/demo,
// is then the copy's own; files git ignores are left out) with the sesame binary of this build
// (SESAME_BINARY: no installation, no build) and, when the test may create one (root), in a
// network namespace of its own, so that its fixed ports meet neither a demo nor another test run
// on this machine; the test joins that namespace (one thread, for the time of its checks) to use
// the demo.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/http_client.hpp"
#include "test/support/process.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame::testing;

namespace {

// $1 the copy of the source tree, $2 a folder for logs, $3 the demo's argument ("" or --ha), then
// the ports the demo listens on. Starts the demo in the background (same process group: no job
// control in a script), waits until its last server (Apache) answers, writes its own PID to
// $2/ready (its network namespace is the demo's) and waits for the test's checks to end
// ($2/checked), with --ha kills a node and the Redis master, stops the demo with SIGTERM as a
// supervisor would, and says whether the parent is still alive afterwards.
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
echo $$ >"$logs/ready.tmp" && mv "$logs/ready.tmp" "$logs/ready"
for _ in $(seq 1 1200); do
  [ -e "$logs/checked" ] && break
  kill -0 "$demo" 2>/dev/null || { echo "the demo ended during the checks"; exit 6; }
  sleep 0.1
done
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

// The files a clone holds: tracked, or new and not ignored (relative to the source tree).
std::vector<std::string> cloneFiles(const std::vector<std::string>& parts) {
    ProcessSpec spec{"git",
                     {"-C", sourceDir().string(), "ls-files", "-z", "--cached", "--others",
                      "--exclude-standard", "--"},
                     {},
                     {},
                     {},
                     "git-ls-files"};
    spec.args.insert(spec.args.end(), parts.begin(), parts.end());
    TempDir logs("git-ls-files");
    spec.logDir = logs.path();
    auto listed = runCommand(spec);
    if (listed.exitCode != 0) throw HarnessError("git ls-files failed:\n" + listed.output);
    std::vector<std::string> files;
    std::string line;
    std::istringstream in(readFile(logs / "git-ls-files.out"));
    while (std::getline(in, line, '\0'))
        if (!line.empty() && std::filesystem::exists(sourceDir() / line)) files.push_back(line);
    return files;
}

// Of `paths` (relative to the source tree), those its .gitignore leaves out.
std::set<std::string> ignoredByGit(const std::vector<std::string>& paths) {
    if (paths.empty()) return {};
    TempDir logs("git-check-ignore");
    ProcessSpec spec{"git",
                     {"-C", sourceDir().string(), "-c", "core.quotePath=false", "check-ignore",
                      "--no-index", "--"},
                     {},
                     {},
                     logs.path(),
                     "git-check-ignore"};
    spec.args.insert(spec.args.end(), paths.begin(), paths.end());
    auto checked = runCommand(spec);
    if (checked.exitCode > 1) throw HarnessError("git check-ignore failed:\n" + checked.output);
    std::set<std::string> ignored;
    std::string line;
    std::istringstream in(readFile(logs / "git-check-ignore.out"));
    while (std::getline(in, line))
        if (!line.empty()) ignored.insert(line);
    return ignored;
}

std::set<std::string> filesUnder(const std::filesystem::path& root,
                                 const std::vector<std::string>& parts) {
    std::set<std::string> files;
    for (const auto& part : parts)
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root / part))
            if (!entry.is_directory())
                files.insert(std::filesystem::relative(entry.path(), root).string());
    return files;
}

// This thread in the network namespace of process `pid` until destroyed (setns(2) moves the
// calling thread only), then back in its own.
class InNetworkNamespaceOf {
  public:
    explicit InNetworkNamespaceOf(pid_t pid)
        : ours_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
        const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
        const int theirs = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        const bool joined = ours_ >= 0 && theirs >= 0 && ::setns(theirs, CLONE_NEWNET) == 0;
        if (theirs >= 0) ::close(theirs);
        if (!joined) {
            if (ours_ >= 0) ::close(ours_);
            throw HarnessError("cannot join the network namespace of " + path);
        }
    }
    ~InNetworkNamespaceOf() {
        ::setns(ours_, CLONE_NEWNET);
        ::close(ours_);
    }
    InNetworkNamespaceOf(const InNetworkNamespaceOf&) = delete;
    InNetworkNamespaceOf& operator=(const InNetworkNamespaceOf&) = delete;

  private:
    int ours_;
};

struct DemoRun {
    CommandResult result;
    std::string demoErr;
    bool checked = false;              // whileRunning ran
    std::vector<std::string> created;  // files the demo wrote in scripts/ and etc/
    std::set<std::string> ignored;     // those of them git ignores
};

// Runs the parent script on a copy of scripts/ and etc/ (in a network namespace of its own when
// the test may make one) and `whileRunning` once the demo is ready, where its addresses are
// reachable.
DemoRun runDemo(const std::string& mode, const std::vector<std::string>& ports,
                const std::function<void()>& whileRunning) {
    TempDir dir("sesame-demo-script");
    // Apache's children (www-data when the test runs as root) read the demo's files in there.
    using std::filesystem::perms;
    std::filesystem::permissions(dir.path(), perms::owner_all | perms::group_read |
                                                 perms::group_exec | perms::others_read |
                                                 perms::others_exec);
    const auto copy = dir / "src";
    const std::vector<std::string> parts{"scripts", "etc"};
    for (const auto& file : cloneFiles(parts)) {
        std::filesystem::create_directories((copy / file).parent_path());
        std::filesystem::copy_file(sourceDir() / file, copy / file);
    }
    const auto cloned = filesUnder(copy, parts);
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
    auto parent =
        std::async(std::launch::async, [&] { return runCommand(spec, std::chrono::minutes(4)); });
    // The checks, once the parent says the demo is ready; their failure is rethrown after the
    // demo was stopped and cleaned up.
    std::exception_ptr failed;
    const auto ready = dir / "ready";
    while (!std::filesystem::exists(ready) &&
           parent.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    }
    if (std::filesystem::exists(ready)) {
        try {
            run.checked = true;
            if (netns) {
                InNetworkNamespaceOf inDemo(std::stoi(readFile(ready)));
                whileRunning();
            } else {
                whileRunning();
            }
        } catch (...) {
            failed = std::current_exception();
        }
        writeFile(dir / "checked", "done\n");
    }
    run.result = parent.get();
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
    for (const auto& file : filesUnder(copy, parts))
        if (!cloned.count(file)) run.created.push_back(file);
    run.ignored = ignoredByGit(run.created);
    if (failed) std::rethrow_exception(failed);
    return run;
}

// What the demo's banner offers, used as a person would: the SAML service (mod_auth_mellon) sends
// the teacher to Sesame and shows who logged in; the CAS service then opens without a login page;
// Sesame's IdP-initiated SSO gives the SAML service a persistent NameID; "Se déconnecter" on the
// SAML page ends every session; after a new login the persistent NameID is the same (with --ha,
// whichever node answers: one key pair, one NameID secret).
void teacherUsesTheDemo() {
    const std::string sesame = "https://127.0.0.1:8443";
    const std::string samlApp = "http://127.0.0.1:8081/saml-app/";
    const std::string samlEntity = "http://127.0.0.1:8081/saml-app/mellon/metadata";
    const std::string casApp = "http://127.0.0.1:8081/app1/";
    Browser browser;  // the demo's certificate is made at its start: not verified

    // Sesame's self-posting form (HTTP-POST binding) posted as a browser does, to the SAML page.
    auto postedToSamlApp = [&](const Response& answer) {
        INFO(answer.status << " " << answer.url << "\n" << textContent(answer.body));
        auto form = findForm(answer.body, std::size_t{0});
        REQUIRE(form);
        REQUIRE(form->has("SAMLResponse"));
        auto page = browser.follow(browser.post(form->action, form->fields), 5);
        INFO(page.status << " " << page.url << "\n" << page.body);
        REQUIRE(page.status == 200);
        REQUIRE(page.url == samlApp);
        return page;
    };
    auto logsIn = [&](const Response& portal) {
        INFO(portal.status << " " << portal.url << "\n" << textContent(portal.body));
        REQUIRE(portal.url.rfind(sesame + "/login", 0) == 0);
        return postedToSamlApp(logIn(browser, portal, teacher));
    };
    auto idpInitiated = [&] {
        return readSpPage(
            postedToSamlApp(browser.follow(browser.get(sesame + "/saml/init?providerId=" +
                                                       percentEncode(samlEntity) +
                                                       "&RelayState=" + percentEncode(samlApp)),
                                           5))
                .body);
    };

    auto page = logsIn(browser.follow(browser.get(samlApp), 10));
    const SpPage seen = readSpPage(page.body);
    CHECK(seen.value("uid") == teacher.login);
    CHECK(seen.attributes.count("ENTPersonProfils"));
    if (seen.attributes.count("ENTPersonProfils")) {
        const auto& profiles = seen.attributes.at("ENTPersonProfils");
        CHECK(std::find(profiles.begin(), profiles.end(), teacher.profile) != profiles.end());
    }
    CHECK(!seen.nameId.empty());

    auto cas = browser.follow(browser.get(casApp), 10);
    INFO(cas.status << " " << cas.url << "\n" << textContent(cas.body));
    CHECK(cas.url == casApp);
    CHECK(cas.body.find("id=\"remote-user\">" + teacher.login + "<") != std::string::npos);

    const SpPage persistent = idpInitiated();
    CHECK(persistent.value("uid") == teacher.login);
    CHECK(!persistent.nameId.empty());
    CHECK(persistent.nameId != seen.nameId);  // Mellon asks for transient ones

    // The page's own link: Mellon's LogoutRequest to Sesame, Sesame's LogoutResponse back, then
    // the page again, which sends the logged-out person to Sesame's login page.
    std::smatch link;
    REQUIRE(std::regex_search(page.body, link, std::regex("href=\"([^\"]*)\">Se déconnecter")));
    auto out = browser.follow(browser.get(resolveUrl(page.url, decodeEntities(link[1].str()))), 12);
    INFO(out.status << " " << out.url << "\n" << textContent(out.body));
    CHECK(std::any_of(out.hops.begin(), out.hops.end(), [&](const Hop& hop) {
        return hop.url.rfind(sesame + "/saml/slo?", 0) == 0;
    }));
    auto casAgain = browser.get(casApp);  // mod_auth_cas told by Sesame's logoutRequest
    REQUIRE(casAgain.isRedirect());
    CHECK(casAgain.location().rfind(sesame + "/cas/login", 0) == 0);

    CHECK(readSpPage(logsIn(out).body).value("uid") == teacher.login);
    CHECK(idpInitiated().nameId == persistent.nameId);
}

// The rows of the table `id` of a page (<th scope="row">name</th><td>value</td>, one row per
// value), entities decoded: what the demo's OIDC page shows of the ID token and of UserInfo.
std::map<std::string, std::vector<std::string>> claimRowsOf(const std::string& html,
                                                            const std::string& id) {
    std::map<std::string, std::vector<std::string>> rows;
    const auto start = html.find("<table id=\"" + id + "\">");
    if (start == std::string::npos) return rows;
    const auto end = html.find("</table>", start);
    const std::string table = html.substr(start, end - start);
    const std::regex row("<tr><th scope=\"row\">([^<]*)</th><td>([^<]*)</td></tr>");
    for (std::sregex_iterator it(table.begin(), table.end(), row), last; it != last; ++it)
        rows[decodeEntities((*it)[1].str())].push_back(decodeEntities((*it)[2].str()));
    return rows;
}

bool has(const std::map<std::string, std::vector<std::string>>& rows, const std::string& name,
         const std::string& value) {
    auto found = rows.find(name);
    return found != rows.end() &&
           std::find(found->second.begin(), found->second.end(), value) != found->second.end();
}

// The OpenID Connect service of the banner (Apache + mod_auth_openidc, the client demo-oidc-app):
// Sesame's discovery names its issuer; the service sends the teacher to Sesame's /oidc/authorize
// and, after the login, shows her ID token and her claims (the ENT's, from UserInfo); the CAS
// service then opens without a login page. A logout at Sesame (CAS /cas/logout) ends the OIDC
// service's session by a back-channel logout token; "Se déconnecter" on its page (RP-initiated
// logout through Sesame's /oidc/logout) ends the CAS service's session too.
void teacherUsesTheOidcApp() {
    const std::string sesame = "https://127.0.0.1:8443";
    const std::string issuer = sesame + "/oidc";
    const std::string oidcApp = "http://127.0.0.1:8081/oidc-app/";
    const std::string casApp = "http://127.0.0.1:8081/app1/";
    Browser browser;

    auto discovery = browser.get(issuer + "/.well-known/openid-configuration");
    INFO(discovery.status << "\n" << discovery.body);
    REQUIRE(discovery.status == 200);
    CHECK(discovery.body.find("\"issuer\":\"" + issuer + "\"") != std::string::npos);
    CHECK(discovery.body.find("\"authorization_endpoint\":\"" + issuer + "/authorize\"") !=
          std::string::npos);

    // The service without a session: to Sesame's authorization endpoint, with PKCE.
    auto toSesame = [&] {
        auto first = browser.get(oidcApp);
        INFO(first.status << " " << first.location() << "\n" << first.body);
        REQUIRE(first.isRedirect());
        CHECK(first.location().rfind(issuer + "/authorize?", 0) == 0);
        CHECK(first.location().find("client_id=demo-oidc-app") != std::string::npos);
        CHECK(first.location().find("code_challenge_method=S256") != std::string::npos);
        return first;
    };
    auto logsIn = [&](const Response& first) {
        auto portal = browser.follow(first, 10);
        INFO(portal.status << " " << portal.url << "\n" << textContent(portal.body));
        REQUIRE(portal.url.rfind(sesame + "/login", 0) == 0);
        auto page = logIn(browser, portal, teacher);
        INFO(page.status << " " << page.url << "\n" << page.body);
        REQUIRE(page.status == 200);
        REQUIRE(page.url == oidcApp);
        return page;
    };
    auto casOpensWithoutLogin = [&] {
        auto cas = browser.follow(browser.get(casApp), 10);
        INFO(cas.status << " " << cas.url << "\n" << textContent(cas.body));
        CHECK(cas.url == casApp);
        CHECK(cas.body.find("id=\"remote-user\">" + teacher.login + "<") != std::string::npos);
    };

    auto page = logsIn(toSesame());
    CHECK(page.body.find("<strong id=\"remote-user\">" + teacher.login + "</strong>") !=
          std::string::npos);
    const auto idToken = claimRowsOf(page.body, "id-token");
    const auto userinfo = claimRowsOf(page.body, "userinfo");
    INFO(page.body);
    CHECK(has(idToken, "iss", issuer));
    CHECK(has(idToken, "aud", "demo-oidc-app"));
    CHECK(idToken.count("sid"));
    CHECK(has(userinfo, "preferred_username", teacher.login));
    CHECK(has(userinfo, "ent_profiles", teacher.profile));
    CHECK(has(userinfo, "ent_habilitation", teacher.habilitation));
    CHECK(has(userinfo, "ent_uai", "0690001A"));
    casOpensWithoutLogin();

    // Logged out at Sesame (as a CAS service's link does): mod_auth_openidc's session is ended
    // by the logout token Sesame posted to it before answering.
    auto out = browser.follow(browser.get(sesame + "/cas/logout"), 5);
    INFO(out.status << " " << out.url << "\n" << textContent(out.body));
    CHECK(out.status == 200);
    page = logsIn(toSesame());

    // RP-initiated: the page's own link, through Sesame's end_session endpoint and back to the
    // service, which (logged out) sends the person to Sesame's login page again.
    casOpensWithoutLogin();
    std::smatch link;
    REQUIRE(std::regex_search(page.body, link, std::regex("href=\"([^\"]*)\">Se déconnecter")));
    out = browser.follow(browser.get(resolveUrl(page.url, decodeEntities(link[1].str()))), 12);
    INFO(out.status << " " << out.url << "\n" << textContent(out.body));
    CHECK(std::any_of(out.hops.begin(), out.hops.end(),
                      [&](const Hop& hop) { return hop.url.rfind(issuer + "/logout?", 0) == 0; }));
    CHECK(out.url.rfind(sesame + "/login", 0) == 0);
    auto casAgain = browser.get(casApp);  // mod_auth_cas told by Sesame's logoutRequest
    REQUIRE(casAgain.isRedirect());
    CHECK(casAgain.location().rfind(sesame + "/cas/login", 0) == 0);
}

// The X509Certificate elements of a node's IdP metadata, in order.
std::vector<std::string> metadataCertificates(const std::string& node) {
    Browser browser;
    auto metadata = browser.get(node + "/saml/metadata");
    INFO(node << ": " << metadata.status << "\n" << metadata.body);
    REQUIRE(metadata.status == 200);
    std::vector<std::string> found;
    const std::regex certificate("<(?:ds:)?X509Certificate>([^<]+)</");
    for (std::sregex_iterator it(metadata.body.begin(), metadata.body.end(), certificate), end;
         it != end; ++it)
        found.push_back((*it)[1].str());
    return found;
}

void checkNothingGeneratedInGit(const DemoRun& run) {
    INFO("files the demo wrote in scripts/ and etc/");
    CAPTURE(run.created);
    // Its SAML SP's metadata, dropped where the demo registry reads SP metadata, and Sesame's
    // own SAML keys.
    CHECK(std::count(run.created.begin(), run.created.end(),
                     "etc/demo/saml-sp/demo-saml-app.xml") == 1);
    for (const auto& file : run.created) {
        INFO(file << " is not in .gitignore: git status would show it");
        CHECK(run.ignored.count(file));
    }
}

}  // namespace

TEST_CASE(
    "the demo's SAML, OpenID Connect and CAS services share one login and one logout; stopping "
    "the demo stops its servers and leaves the script that started it alive",
    "[interop]") {
    auto run = runDemo("", {"6380", "3389", "8443", "8081"}, [] {
        teacherUsesTheDemo();
        teacherUsesTheOidcApp();
    });
    INFO(run.result.output);
    INFO("demo stderr:\n" << run.demoErr);
    CHECK(run.checked);
    checkNothingGeneratedInGit(run);
    // 143 = 128 + SIGTERM: the parent was killed along with the demo's process group.
    CHECK(run.result.exitCode == 0);
    CHECK(run.result.output.find("parent: demo exited with") != std::string::npos);
    CHECK(run.result.output.find("parent: still alive") != std::string::npos);
}

TEST_CASE(
    "demo --ha: one SAML IdP and one OIDC provider on both nodes; it goes on when a node and the "
    "Redis master die, and "
    "stops cleanly",
    "[interop]") {
    auto run = runDemo(
        "--ha",
        {"6380", "6381", "26379", "26380", "26381", "3389", "8001", "8002", "8404", "8443", "8081"},
        [] {
            // One IdP behind HAProxy: both nodes publish the same certificates.
            const auto node1 = metadataCertificates("http://127.0.0.1:8001");
            CHECK(!node1.empty());
            CHECK(node1 == metadataCertificates("http://127.0.0.1:8002"));
            teacherUsesTheDemo();
            // One OIDC provider: both nodes publish the same signing keys.
            Browser browser;
            auto jwks1 = browser.get("http://127.0.0.1:8001/oidc/jwks");
            REQUIRE(jwks1.status == 200);
            CHECK(jwks1.body.find("\"kid\"") != std::string::npos);
            CHECK(jwks1.body == browser.get("http://127.0.0.1:8002/oidc/jwks").body);
            teacherUsesTheOidcApp();
        });
    INFO(run.result.output);
    INFO("demo stderr:\n" << run.demoErr);
    CHECK(run.checked);
    checkNothingGeneratedInGit(run);
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
