#pragma once
// What every Apache httpd launcher of the harness needs (ApacheCasService, MellonService,
// ShibbolethService): the binary, the user its children run as, starting `apache2 -f <conf>
// -DFOREGROUND` on a free loopback port until a probe URL answers, and the error log's tail for
// failure messages.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "test/support/process.hpp"

namespace sesame::testing {

// `configured`, else $SESAME_APACHE2, else /usr/sbin/apache2.
std::string apacheBinary(const std::string& configured);
// Throws HarnessError naming the Debian package when the binary or a module is not installed.
void requireApache(const std::string& binary,
                   const std::vector<std::pair<std::string, std::string>>& moduleAndPackage);
constexpr const char* apacheModulesDir = "/usr/lib/apache2/modules";

// Apache refuses to serve as root: started as root, its children run as www-data (or nobody).
// The "User/Group" lines for httpd.conf (empty when not root), and chown of what the children
// must write.
std::string apacheRunAs();
void giveToApacheChildren(const std::filesystem::path& path);

// The last `lines` lines of a text file, indented for failure messages.
std::string fileTail(const std::filesystem::path& file, std::size_t lines = 40);

struct ApacheLaunch {
    std::string binary;
    std::filesystem::path serverRoot;  // logs/error.log inside it is quoted on failure
    std::filesystem::path config;      // httpd.conf
    std::string probeUrl;              // answers 200 once Apache serves
    std::vector<std::pair<std::string, std::string>> env;
    std::chrono::milliseconds startTimeout = std::chrono::seconds(15);
};
// Spawns Apache in the foreground and waits until `probeUrl` answers 200.
std::unique_ptr<Process> launchApache(const ApacheLaunch& launch);

// Picks a free port, calls `renderAndLaunch(port)` (which writes the configuration for that port
// and launches), and tries again on another port when the failure says "Address already in use"
// (another process took a port in between; `renderAndLaunch` picks any other port it needs
// afresh): five attempts.
void startApacheOnFreePort(const std::filesystem::path& serverRoot,
                           const std::function<void(int)>& renderAndLaunch);

}  // namespace sesame::testing
