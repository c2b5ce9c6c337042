#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

namespace sesame::testing {

SlapdServer::SlapdServer(SlapdOptions options)
    : options_(std::move(options)), dir_("sesame-slapd") {
    if (options_.script.empty()) options_.script = sourceDir() / "scripts" / "slapd.sh";
    if (!std::filesystem::exists(options_.script)) {
        throw HarnessError(options_.script.string() +
                           " not found: SlapdServer starts the demo directories through it "
                           "(scripts/slapd.sh start <datadir> <port>)");
    }
    dataDir_ = dir_.path() / "data";
    std::string lastOutput;
    // A taken port makes the script fail: try a few free ports before giving up.
    for (int attempt = 1; attempt <= 3; ++attempt) {
        port_ = freePort();
        CommandResult r = runScript({"start", dataDir_.string(), std::to_string(port_)});
        if (r.exitCode == 0) {
            running_ = true;
            waitForTcp("127.0.0.1", port_, options_.startTimeout);
            return;
        }
        runScript({"stop", dataDir_.string()});
        lastOutput = "exit code " + std::to_string(r.exitCode) + ":\n" + r.output;
    }
    throw HarnessError("scripts/slapd.sh start failed 3 times; last " + lastOutput);
}

SlapdServer::~SlapdServer() {
    try {
        stop();
    } catch (...) {
        // A destructor must not throw; the data directory goes with dir_ anyway.
    }
}

CommandResult SlapdServer::runScript(const std::vector<std::string>& args) const {
    ProcessSpec spec;
    spec.program = "/bin/bash";
    spec.args = {options_.script.string()};
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    spec.name = "slapd-sh-" + args.front();
    spec.logDir = dir_.path() / "logs";
    spec.workingDir = sourceDir();
    std::filesystem::remove(spec.logDir / (spec.name + ".out"));
    std::filesystem::remove(spec.logDir / (spec.name + ".err"));
    return runCommand(std::move(spec), options_.startTimeout);
}

void SlapdServer::stop() {
    if (!running_) return;
    CommandResult r = runScript({"stop", dataDir_.string()});
    running_ = false;
    if (r.exitCode != 0) {
        throw HarnessError("scripts/slapd.sh stop failed with code " + std::to_string(r.exitCode) +
                           ":\n" + r.output);
    }
}

void SlapdServer::start() {
    if (running_) return;
    CommandResult r = runScript({"start", dataDir_.string(), std::to_string(port_)});
    if (r.exitCode != 0) {
        throw HarnessError("scripts/slapd.sh start on port " + std::to_string(port_) +
                           " failed with code " + std::to_string(r.exitCode) + ":\n" + r.output);
    }
    running_ = true;
    waitForTcp("127.0.0.1", port_, options_.startTimeout);
}

void SlapdServer::restart() {
    stop();
    start();
}

}  // namespace sesame::testing
