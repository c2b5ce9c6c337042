#pragma once
// The Apache httpd configuration the service providers of the harness share (MellonService,
// ShibbolethService, OpenidcService): a server root in a temporary directory, /ping for readiness,
// a page under mod_php at a protected path (the SAML SPs: etc/demo/apache/saml-app/index.php at
// /secure/), and the SP module's own directives.
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "test/support/test_certificate.hpp"

namespace sesame::testing {

struct ApacheSpConfig {
    std::filesystem::path serverRoot;
    int port = 0;
    bool debug = false;
    std::vector<std::pair<std::string, std::string>> modules;  // LoadModule name, file
    std::string global;          // server-wide directives of the SP module
    std::string rootLocation;    // inside <Location "/">
    std::string secureLocation;  // inside <Location protectedPath>: the protection
    std::vector<std::pair<std::string, std::string>> pageEnv;  // SetEnv for the page
    std::string protectedPath = "/secure/";
    // The page served at protectedPath (copied to <serverRoot>/page/index.php).
    std::filesystem::path pageSource;  // empty: etc/demo/apache/saml-app/index.php
};
// Writes <serverRoot>/httpd.conf, ping.txt and page/index.php; makes the root readable by
// Apache's children.
void writeApacheSpConfig(const ApacheSpConfig& config);

// The SP's key pair: RSA 2048 (signing and RSA-OAEP), self-signed, valid 30 days:
// <root>/sp-key.pem, <root>/sp-cert.pem.
TestCertificate makeSpCertificate(const std::filesystem::path& root);

// Without IdP metadata (`start` false): a free port and the configuration for it (`render`), so
// that the SP metadata exists before the SP runs. With it: `render` then `launch`, on another
// port when Apache could not bind the first.
void prepareSp(const std::filesystem::path& root, bool start, int& port,
               const std::function<void()>& render, const std::function<void()>& launch);

// Throws HarnessError when mod_php (Debian libapache2-mod-php) is not installed.
void requirePhpModule();

}  // namespace sesame::testing
