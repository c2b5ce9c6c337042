#pragma once
// The Apache httpd configuration both SAML service providers of the harness share (MellonService,
// ShibbolethService): a server root in a temporary directory, /ping for readiness, the page
// test/support/saml-sp/index.php under mod_php at /secure/, and the SP module's own directives.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sesame::testing {

struct ApacheSpConfig {
    std::filesystem::path serverRoot;
    int port = 0;
    bool debug = false;
    std::vector<std::pair<std::string, std::string>> modules;  // LoadModule name, file
    std::string global;          // server-wide directives of the SP module
    std::string rootLocation;    // inside <Location "/">
    std::string secureLocation;  // inside <Location "/secure/">: the protection
    std::vector<std::pair<std::string, std::string>> pageEnv;  // SetEnv for the page
};
// Writes <serverRoot>/httpd.conf, ping.txt and page/index.php; makes the root readable by
// Apache's children.
void writeApacheSpConfig(const ApacheSpConfig& config);

// Throws HarnessError when mod_php (Debian libapache2-mod-php) is not installed.
void requirePhpModule();

}  // namespace sesame::testing
