#include "test/support/apache_httpd.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

namespace sesame::testing {
namespace {

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

}  // namespace

ApacheCasService::ApacheCasService(ApacheCasOptions options)
    : options_(std::move(options)), dir_("sesame-apache") {
    if (options_.casBaseUrl.empty()) throw HarnessError("ApacheCasOptions.casBaseUrl is required");
    if (options_.caFile.empty()) options_.caFile = "/etc/ssl/certs/ca-certificates.crt";
    requireApache(apacheBinary(options_.binary), {{"mod_auth_cas.so", "libapache2-mod-auth-cas"}});
    startApacheOnFreePort(dir_.path(), [&](int port) {
        port_ = port;
        render();
        launch();
    });
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
    process_ = launchApache({apacheBinary(options_.binary),
                             dir_.path(),
                             dir_.path() / "httpd.conf",
                             baseUrl() + "/ping",
                             {},
                             options_.startTimeout});
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
    return fileTail(dir_.path() / "logs" / "error.log", lines);
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
    return fileTail(dir_.path() / "logs" / "php_error.log", lines);
}

}  // namespace sesame::testing
