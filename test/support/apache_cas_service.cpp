#include <cstdlib>
#include <fstream>

#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/servers.hpp"

namespace sesame::testing {
namespace {

std::string apacheBinary(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* env = std::getenv("SESAME_APACHE2");
    return env && *env ? env : "/usr/sbin/apache2";
}

const char* validationName(CasValidation v) {
    switch (v) {
        case CasValidation::p3ServiceValidate:
            return "p3";
        case CasValidation::serviceValidate:
            return "cas2";
        case CasValidation::samlValidate:
            return "saml";
    }
    return "p3";
}

std::string tail(const std::filesystem::path& file, std::size_t lines) {
    std::ifstream in(file);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(line);
    std::string out;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
        out += "  | " + all[i] + "\n";
    }
    return out.empty() ? "  | (empty)\n" : out;
}

BrowserOptions quickProbe() {
    BrowserOptions o;
    o.timeout = std::chrono::seconds(2);
    return o;
}

}  // namespace

ApacheCasService::ApacheCasService(ApacheCasOptions options)
    : options_(std::move(options)), dir_("sesame-apache") {
    if (options_.casBaseUrl.empty()) throw HarnessError("ApacheCasOptions.casBaseUrl is required");
    if (options_.caFile.empty()) options_.caFile = "/etc/ssl/certs/ca-certificates.crt";
    const std::string binary = apacheBinary(options_.binary);
    if (!std::filesystem::exists(binary) ||
        !std::filesystem::exists("/usr/lib/apache2/modules/mod_auth_cas.so")) {
        throw HarnessError(binary +
                           " or mod_auth_cas.so is missing: install apache2 and "
                           "libapache2-mod-auth-cas (scripts/install-deps.sh)");
    }
    for (int attempt = 1;; ++attempt) {
        port_ = freePort();
        try {
            render();
            launch();
            return;
        } catch (const HarnessError&) {
            // AH00072: make_sock: could not bind to address (another process took the port).
            bool taken =
                errorLogTail().find("could not bind") != std::string::npos ||
                (process_ && process_->logTail().find("could not bind") != std::string::npos);
            process_.reset();
            if (!taken || attempt == 5) throw;
        }
    }
}

ApacheCasService::~ApacheCasService() {
    stop();
}

void ApacheCasService::render() {
    ProcessSpec spec;
    spec.program = "/bin/bash";
    spec.args = {(sourceDir() / "etc/demo/apache/render.sh").string(),
                 "--root",
                 dir_.path().string(),
                 "--port",
                 std::to_string(port_),
                 "--cas-base-url",
                 options_.casBaseUrl,
                 "--validation",
                 validationName(options_.validation),
                 "--ca-file",
                 options_.caFile.string(),
                 "--timeout",
                 std::to_string(options_.timeoutSeconds),
                 "--idle-timeout",
                 std::to_string(options_.idleTimeoutSeconds)};
    if (options_.debug) spec.args.push_back("--debug");
    spec.name = "render";
    spec.logDir = dir_.path() / "logs";
    std::filesystem::remove(spec.logDir / "render.out");
    std::filesystem::remove(spec.logDir / "render.err");
    CommandResult r = runCommand(std::move(spec), std::chrono::seconds(30));
    if (r.exitCode != 0) {
        throw HarnessError("etc/demo/apache/render.sh failed with code " +
                           std::to_string(r.exitCode) + ":\n" + r.output);
    }
}

void ApacheCasService::launch() {
    ProcessSpec spec;
    spec.program = apacheBinary(options_.binary);
    spec.args = {"-f", (dir_.path() / "httpd.conf").string(), "-DFOREGROUND"};
    spec.name = "apache2";
    spec.logDir = dir_.path() / "logs";
    spec.workingDir = dir_.path();
    process_ = std::make_unique<Process>(std::move(spec));
    const std::string ping = baseUrl() + "/ping";
    try {
        waitUntil(
            [&] {
                try {
                    return Browser(quickProbe()).get(ping).status == 200;
                } catch (const HarnessError&) {
                    return false;
                }
            },
            options_.startTimeout, "Apache to answer " + ping, process_.get());
    } catch (const HarnessError& e) {
        throw HarnessError(std::string(e.what()) + "--- error.log\n" + errorLogTail());
    }
}

void ApacheCasService::stop() {
    if (process_) process_->stop();
}

void ApacheCasService::start() {
    if (running()) return;
    launch();
}

void ApacheCasService::restart() {
    stop();
    start();
}

bool ApacheCasService::running() {
    return process_ && process_->running();
}

std::string ApacheCasService::serviceUrl(std::string_view location) const {
    return baseUrl() + "/" + std::string(location) + "/";
}

std::size_t ApacheCasService::sessionCount() const {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "cas-cache", ec)) {
        // Session files are named by 32 hex digits; ".<md5>" files map tickets to them.
        if (entry.path().filename().string().rfind('.', 0) != 0) ++n;
    }
    return n;
}

std::string ApacheCasService::errorLogTail(std::size_t lines) const {
    return tail(dir_.path() / "logs" / "error.log", lines);
}

bool ApacheCasService::phpAvailable() {
    // The same module render.sh loads (libphp<version>.so) and Debian php-cas's entry point.
    std::error_code ec;
    bool module = false;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/apache2/modules", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("libphp", 0) == 0 && entry.path().extension() == ".so") module = true;
    }
    return module && std::filesystem::exists("/usr/share/php/CAS.php");
}

std::string ApacheCasService::phpErrorLogTail(std::size_t lines) const {
    return tail(dir_.path() / "logs" / "php_error.log", lines);
}

}  // namespace sesame::testing
