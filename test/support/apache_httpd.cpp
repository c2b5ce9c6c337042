#include "test/support/apache_httpd.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"

namespace sesame::testing {
namespace {

// The account Apache's children run as when the harness runs as root.
const passwd* childAccount() {
    if (geteuid() != 0) return nullptr;
    const passwd* account = getpwnam("www-data");
    return account ? account : getpwnam("nobody");
}

}  // namespace

std::string apacheBinary(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* env = std::getenv("SESAME_APACHE2");
    return env && *env ? env : "/usr/sbin/apache2";
}

void requireApache(const std::string& binary,
                   const std::vector<std::pair<std::string, std::string>>& moduleAndPackage) {
    if (!std::filesystem::exists(binary))
        throw HarnessError(binary + " is missing: install apache2 (scripts/install-deps.sh)");
    for (const auto& [module, package] : moduleAndPackage) {
        const auto file = std::filesystem::path(apacheModulesDir) / module;
        if (!std::filesystem::exists(file))
            throw HarnessError(file.string() + " is missing: install " + package +
                               " (scripts/install-deps.sh)");
    }
}

std::string apacheRunAs() {
    const passwd* account = childAccount();
    if (!account) return "";
    const group* g = getgrgid(account->pw_gid);
    return "User " + std::string(account->pw_name) + "\nGroup " +
           (g ? std::string(g->gr_name) : std::to_string(account->pw_gid)) + "\n";
}

void giveToApacheChildren(const std::filesystem::path& path) {
    const passwd* account = childAccount();
    if (account && ::chown(path.c_str(), account->pw_uid, account->pw_gid) != 0)
        throw HarnessError("cannot give " + path.string() + " to " + account->pw_name);
}

std::string fileTail(const std::filesystem::path& file, std::size_t lines) {
    std::ifstream in(file);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(line);
    std::string out;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
        out += "  | " + all[i] + "\n";
    }
    return out.empty() ? "  | (empty)\n" : out;
}

std::unique_ptr<Process> launchApache(const ApacheLaunch& launch) {
    ProcessSpec spec;
    spec.program = launch.binary;
    spec.args = {"-f", launch.config.string(), "-DFOREGROUND"};
    spec.env = launch.env;
    spec.name = "apache2";
    spec.logDir = launch.serverRoot / "logs";
    spec.workingDir = launch.serverRoot;
    auto process = std::make_unique<Process>(std::move(spec));
    BrowserOptions quick;
    quick.timeout = std::chrono::seconds(2);
    try {
        waitUntil(
            [&] {
                try {
                    return Browser(quick).get(launch.probeUrl).status == 200;
                } catch (const HarnessError&) {
                    return false;
                }
            },
            launch.startTimeout, "Apache to answer " + launch.probeUrl, process.get());
    } catch (const HarnessError& e) {
        throw HarnessError(std::string(e.what()) + "--- error.log\n" +
                           fileTail(launch.serverRoot / "logs" / "error.log"));
    }
    return process;
}

void startApacheOnFreePort(const std::filesystem::path& serverRoot,
                           const std::function<void(int)>& renderAndLaunch) {
    for (int attempt = 1;; ++attempt) {
        try {
            renderAndLaunch(freePort());
            return;
        } catch (const HarnessError& e) {
            // AH00072: make_sock: could not bind to address (another process took the port).
            const std::string said = std::string(e.what()) +
                                     fileTail(serverRoot / "logs" / "error.log", 20) +
                                     fileTail(serverRoot / "logs" / "apache2.err", 20);
            if (said.find("could not bind") == std::string::npos || attempt == 5) throw;
        }
    }
}

}  // namespace sesame::testing
