#include "test/integration/sesame_instance.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "test/support/harness_error.hpp"

namespace sesame::testing {
namespace {
std::string fileText(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw HarnessError("cannot read " + path.string());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    std::size_t at = 0;
    bool found = false;
    while ((at = text.find(from, at)) != std::string::npos) {
        text.replace(at, from.size(), to);
        at += to.size();
        found = true;
    }
    if (!found) throw HarnessError("etc/sesame.yml no longer contains '" + from + "'");
}

// Removes the line that starts with `key` (indentation included) and the lines indented deeper
// below it: a whole YAML block such as "  tls:".
void removeBlock(std::string& text, const std::string& key) {
    auto start = text.find("\n" + key);
    if (start == std::string::npos)
        throw HarnessError("etc/sesame.yml no longer contains '" + key + "'");
    const std::size_t indent = key.find_first_not_of(' ');
    auto end = text.find('\n', start + 1);
    while (end != std::string::npos && end + 1 < text.size()) {
        auto next = text.find('\n', end + 1);
        std::string line =
            text.substr(end + 1, next == std::string::npos ? std::string::npos : next - end - 1);
        if (line.find_first_not_of(' ') <= indent) break;
        end = next;
    }
    text.erase(start, end == std::string::npos ? std::string::npos : end - start);
}
}  // namespace

std::filesystem::path sesameBinary() {
    return SESAME_BINARY;
}

std::string requiredEnv(const char* name) {
    const char* value = std::getenv(name);
    if (!value || !*value)
        throw HarnessError(std::string(name) +
                           " is not set: run the tests with scripts/test.sh, which starts "
                           "redis-server and the demo slapd and sets it");
    return value;
}

SesameInstance::SesameInstance(SesameOptions options)
    : options_(std::move(options)), dir_("sesame-instance") {
    certificate_ = makeTestCertificate(dir_.path());
    const auto etc = sourceDir() / "etc";
    std::string config = fileText(etc / "sesame.yml");
    // The demo's files (all secrets), copied readable by their owner only as check-config wants
    // (git keeps no file mode but the executable bit: in a fresh clone they are 0644).
    for (const auto* secret : {"ldap/sesame.password", "partners.yml"}) {
        const auto copy = dir_.path() / std::filesystem::path(secret).filename();
        std::filesystem::copy_file(etc / "demo" / secret, copy);
        std::filesystem::permissions(copy, std::filesystem::perms(0600));
        replaceAll(config, std::string(" demo/") + secret, " " + copy.string());
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = freePort();
        std::string text = config;
        if (!options_.publicUrl.empty())
            replaceAll(text, "public_url: https://127.0.0.1:8443",
                       "public_url: " + options_.publicUrl);
        if (options_.behindProxy) {
            removeBlock(text, "  tls:");
            replaceAll(text, "trusted_proxies: []", "trusted_proxies: [127.0.0.1]");
        }
        replaceAll(text, "127.0.0.1:8443", "127.0.0.1:" + std::to_string(port_));
        if (options_.sentinels.empty()) {
            replaceAll(text, "127.0.0.1:6380", options_.redisAddress);
        } else {
            std::string list;
            for (const auto& s : options_.sentinels) list += (list.empty() ? "" : ", ") + s;
            replaceAll(text, "  address: 127.0.0.1:6380",
                       "  sentinel:\n    master_name: " + options_.sentinelMaster +
                           "\n    addresses: [" + list + "]");
        }
        replaceAll(text, "ldap://127.0.0.1:3389", options_.ldapUrl);
        if (!options_.backChannelCaFile.empty())
            replaceAll(text, "ca_file: ../var/demo/tls/sesame.crt",
                       "ca_file: " + options_.backChannelCaFile);
        replaceAll(text, "../var/demo/tls/sesame.crt", certificate_.certificateFile.string());
        if (!options_.behindProxy)
            replaceAll(text, "../var/demo/tls/sesame.key", certificate_.privateKeyFile.string());
        replaceAll(text, "services_dir: services", "services_dir: " + (etc / "services").string());
        // Instances share the test Redis: each gets its own key namespace, so that throttling
        // counters or sessions of one test never leak into another.
        replaceAll(text, "key_prefix: \"sesame:\"", "key_prefix: \"" + keyPrefix() + "\"");
        for (const auto& [from, to] : options_.edits) replaceAll(text, from, to);
        configFile_ = dir_.path() / "sesame.yml";
        std::ofstream(configFile_) << text;

        process_ = std::make_unique<Process>(ProcessSpec{sesameBinary().string(),
                                                         {"serve", "-c", configFile_.string()},
                                                         {},
                                                         {},
                                                         dir_.path(),
                                                         "sesame"});
        Browser probe;
        const std::string url = baseUrl() + (options_.waitForRedis ? "/readyz" : "/healthz");
        try {
            waitUntil(
                [&] {
                    try {
                        return probe.get(url).status == 200;
                    } catch (const HarnessError&) {
                        return false;
                    }
                },
                std::chrono::seconds(20), "sesame " + url, process_.get());
            return;
        } catch (const HarnessError& e) {
            // Another process may have taken the free port first: try another one.
            if (process_->running() || process_->logTail().find("bind") == std::string::npos) throw;
        }
    }
    throw HarnessError("sesame could not bind a free port in five attempts");
}

SesameInstance::~SesameInstance() {
    if (process_) process_->stop();
}

CommandResult SesameInstance::cli(const std::vector<std::string>& args,
                                  const std::string& stdinText) {
    // Each run its own log files: their content is the command's output.
    static int runs = 0;
    const std::string name = "cli-" + std::to_string(++runs);
    std::vector<std::string> full = args;
    full.push_back("-c");
    full.push_back(configFile_.string());
    if (stdinText.empty()) {
        return runCommand(ProcessSpec{sesameBinary().string(), full, {}, {}, dir_.path(), name});
    }
    // Feed stdin through a shell pipe (the harness's runCommand has no stdin).
    std::string command = "printf '%s\\n' \"$SESAME_STDIN\" | \"$0\" \"$@\"";
    std::vector<std::string> shellArgs = {"-c", command, sesameBinary().string()};
    shellArgs.insert(shellArgs.end(), full.begin(), full.end());
    return runCommand(
        ProcessSpec{"/bin/sh", shellArgs, {{"SESAME_STDIN", stdinText}}, {}, dir_.path(), name});
}

void SesameInstance::reload() {
    auto countReloads = [&] {
        std::ifstream in(process_->stderrPath());
        std::string line;
        int n = 0;
        while (std::getline(in, line))
            if (line.find("\"event\":\"reload") != std::string::npos) ++n;
        return n;
    };
    const int before = countReloads();
    ::kill(process_->pid(), SIGHUP);
    waitUntil([&] { return countReloads() > before; }, std::chrono::seconds(10),
              "sesame to log its reload", process_.get());
}

}  // namespace sesame::testing
