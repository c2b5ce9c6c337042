#include <cstdlib>
#include <fstream>
#include <sstream>

#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/servers.hpp"

namespace sesame::testing {
namespace {

std::string haproxyBinary(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* env = std::getenv("SESAME_HAPROXY");
    return env && *env ? env : "/usr/sbin/haproxy";
}

std::string address(int port) {
    return "127.0.0.1:" + std::to_string(port);
}

std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    for (std::string field; std::getline(in, field, ',');) out.push_back(field);
    return out;
}

// Columns of HAProxy's CSV stats (management guide, 9.1): 1 svname, 7 stot, 17 status.
constexpr std::size_t svnameColumn = 1, totalColumn = 7, statusColumn = 17;

}  // namespace

HaproxyServer::HaproxyServer(HaproxyOptions options)
    : options_(std::move(options)), dir_("sesame-haproxy") {
    const std::string binary = haproxyBinary(options_.binary);
    if (!std::filesystem::exists(binary))
        throw HarnessError(binary + " is missing: install haproxy (scripts/install-deps.sh)");
    const auto reference = sourceDir() / "etc" / "haproxy" / "sesame.cfg";
    if (!std::filesystem::exists(reference)) throw HarnessError(reference.string() + " is missing");
    // HAProxy wants the chain and the key in one file.
    const auto pem = dir_ / "sesame.pem";
    writeFile(pem, readFile(options_.certificate) + readFile(options_.privateKey));

    for (int attempt = 1;; ++attempt) {
        port_ = options_.port && attempt == 1 ? options_.port : freePort();
        statsPort_ = freePort();
        // What the reference file leaves to the operator: the global section (logs on stdout, kept
        // in the test's log files), loaded before it; after it (so under its defaults), a stats
        // page and the pinned frontends of the tests.
        writeFile(dir_ / "global.cfg", "global\n  log stdout format raw local0 info\n");
        std::string local = "frontend stats\n  bind " + address(statsPort_) +
                            "\n  stats enable\n  stats uri /stats\n";
        if (options_.pinnedFrontends) {
            for (int node = 1; node <= 2; ++node) {
                pinnedPorts_[node - 1] = freePort();
                const std::string n = std::to_string(node);
                local += "\nfrontend via_node" + n + "\n  bind " + address(pinnedPorts_[node - 1]) +
                         " ssl crt " + pem.string() +
                         "\n  http-request del-header X-Forwarded-For\n"
                         "  http-request set-header X-Forwarded-Proto https\n"
                         "  option forwardfor\n  default_backend only_node" +
                         n + "\n\nbackend only_node" + n + "\n  server node" + n + " " +
                         (node == 1 ? options_.node1 : options_.node2) + "\n";
            }
        }
        writeFile(dir_ / "local.cfg", local);
        process_ = std::make_unique<Process>(
            ProcessSpec{binary,
                        {"-db", "-f", (dir_ / "global.cfg").string(), "-f", reference.string(),
                         "-f", (dir_ / "local.cfg").string()},
                        {{"SESAME_PUBLIC_BIND", address(port_)},
                         {"SESAME_TLS_PEM", pem.string()},
                         {"SESAME_NODE1", options_.node1},
                         {"SESAME_NODE2", options_.node2}},
                        dir_.path(),
                        dir_.path(),
                        "haproxy"});
        try {
            waitForTcp("127.0.0.1", port_, options_.startTimeout, process_.get());
            waitForTcp("127.0.0.1", statsPort_, options_.startTimeout, process_.get());
            return;
        } catch (const HarnessError&) {
            // "cannot bind socket": another process took one of the free ports first.
            bool taken = process_->logTail().find("cannot bind") != std::string::npos;
            process_.reset();
            if (!taken || attempt == 5) throw;
        }
    }
}

HaproxyServer::~HaproxyServer() {
    stop();
}

void HaproxyServer::stop() {
    if (process_) process_->stop();
}

std::string HaproxyServer::pinnedUrl(int node) const {
    if (!options_.pinnedFrontends || node < 1 || node > 2)
        throw HarnessError("HaproxyServer: no pinned frontend for node " + std::to_string(node));
    return "https://127.0.0.1:" + std::to_string(pinnedPorts_[node - 1]);
}

std::vector<std::string> HaproxyServer::statsLine(int node) const {
    Browser browser;
    auto stats = browser.get("http://" + address(statsPort_) + "/stats;csv");
    if (stats.status != 200)
        throw HarnessError("HAProxy stats answered " + std::to_string(stats.status));
    const std::string name = "node" + std::to_string(node);
    std::stringstream lines(stats.body);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("sesame_nodes,", 0) != 0) continue;
        auto fields = splitCsv(line);
        if (fields.size() > statusColumn && fields[svnameColumn] == name) return fields;
    }
    throw HarnessError("HAProxy stats have no line for " + name + ":\n" + stats.body);
}

std::string HaproxyServer::nodeStatus(int node) const {
    return statsLine(node)[statusColumn];
}

long HaproxyServer::nodeRequests(int node) const {
    return std::stol(statsLine(node)[totalColumn]);
}

void HaproxyServer::waitForNode(int node, std::string_view status,
                                std::chrono::milliseconds timeout) {
    waitUntil([&] { return nodeStatus(node) == status; }, timeout,
              "HAProxy to see node" + std::to_string(node) + " " + std::string(status),
              process_.get());
}

std::string HaproxyServer::logTail() const {
    return process_ ? process_->logTail() : std::string("(haproxy not running)\n");
}

}  // namespace sesame::testing
