#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

namespace sesame::testing {
namespace {

std::string sentinelBinary(const std::string& configured) {
    if (!configured.empty()) return configured;
    const char* env = std::getenv("SESAME_REDIS_SENTINEL");
    return env && *env ? env : "/usr/bin/redis-sentinel";
}

// A reply the harness cannot reach counts as "not yet" while waiting.
std::string tryCommand(int port, const std::vector<std::string>& args,
                       const std::string& password) {
    try {
        return redisCommand(port, args, password);
    } catch (const HarnessError&) {
        return {};
    }
}

std::string field(const std::string& info, const std::string& name) {
    auto at = info.find(name + ":");
    if (at == std::string::npos) return {};
    auto end = info.find_first_of("\r\n", at);
    return info.substr(at + name.size() + 1, end - at - name.size() - 1);
}

}  // namespace

RedisSentinelServer::RedisSentinelServer(SentinelOptions options)
    : options_(std::move(options)), dir_("sesame-sentinel") {
    startOnFreePort(process_, [&](int port) {
        port_ = port;
        launch();
    });
}

RedisSentinelServer::~RedisSentinelServer() {
    stop();
}

void RedisSentinelServer::launch() {
    const std::string binary = sentinelBinary(options_.binary);
    if (!std::filesystem::exists(binary)) {
        throw HarnessError(binary +
                           " not found: install redis-sentinel (scripts/install-deps.sh) or set "
                           "SESAME_REDIS_SENTINEL");
    }
    // Sentinel rewrites its configuration file (what it learns): it must be its own, writable.
    const auto config = dir_.path() / "sentinel.conf";
    const std::string& name = options_.masterName;
    std::ofstream out(config);
    out << "port " << port_ << "\nbind 127.0.0.1\ndaemonize no\n"
        << "dir " << dir_.path().string() << "\n"
        << "sentinel monitor " << name << " 127.0.0.1 " << options_.masterPort << " "
        << options_.quorum << "\n"
        << "sentinel down-after-milliseconds " << name << " " << options_.downAfter.count() << "\n"
        << "sentinel failover-timeout " << name << " " << options_.failoverTimeout.count() << "\n"
        << "sentinel parallel-syncs " << name << " 1\n";
    if (!options_.password.empty()) out << "requirepass " << options_.password << "\n";
    if (!options_.tlsCertificate.empty()) {
        tlsPort_ = freePort();
        out << "tls-port " << tlsPort_ << "\ntls-cert-file " << options_.tlsCertificate.string()
            << "\ntls-key-file " << options_.tlsPrivateKey.string() << "\ntls-ca-cert-file "
            << options_.tlsCertificate.string() << "\ntls-auth-clients no\n";
    }
    out.close();
    ProcessSpec spec;
    spec.program = binary;
    spec.name = "redis-sentinel";
    spec.logDir = dir_.path();
    spec.workingDir = dir_.path();
    spec.args = {config.string()};
    process_ = std::make_unique<Process>(std::move(spec));
    waitUntil(
        [&] {
            return !tryCommand(port_, {"SENTINEL", "masters"}, options_.password).empty();
        },
        options_.startTimeout, "redis-sentinel to answer on 127.0.0.1:" + std::to_string(port_),
        process_.get());
}

void RedisSentinelServer::pause() {
    if (process_) stopProcess(process_->pid());
}

void RedisSentinelServer::resume() {
    if (process_) continueProcess(process_->pid());
}

void RedisSentinelServer::stop() {
    if (process_) process_->stop();
}

std::string RedisSentinelServer::command(const std::vector<std::string>& args) const {
    return redisCommand(port_, args, options_.password);
}

std::string RedisSentinelServer::masterAddress() const {
    std::string reply = command({"SENTINEL", "get-master-addr-by-name", options_.masterName});
    auto newline = reply.find('\n');
    if (newline == std::string::npos) return reply;
    return reply.substr(0, newline) + ":" + reply.substr(newline + 1);
}

std::string RedisSentinelServer::logTail() const {
    return process_ ? process_->logTail() : "(not started)";
}

// ---------------------------------------------------------------------------------------------

SentinelDeployment::SentinelDeployment(std::string masterName)
    : masterName_(std::move(masterName)) {
    servers_.push_back(std::make_unique<RedisServer>());
    const int masterPort = servers_[0]->port();
    RedisOptions replica;
    replica.extraArgs = {"--replicaof", "127.0.0.1", std::to_string(masterPort)};
    servers_.push_back(std::make_unique<RedisServer>(replica));
    waitUntil(
        [&] {
            return field(servers_[1]->command({"INFO", "replication"}), "master_link_status") ==
                   "up";
        },
        std::chrono::seconds(10), "the replica to be in sync with the master");
    for (int i = 0; i < 3; ++i) {
        SentinelOptions options;
        options.masterName = masterName_;
        options.masterPort = masterPort;
        sentinels_.push_back(std::make_unique<RedisSentinelServer>(options));
    }
    // Sentinels find each other through the master's hello channel (every 2 s) and the replica
    // through the master's INFO: wait for both, or a failover started now would be refused.
    for (auto& s : sentinels_) {
        waitUntil(
            [&] {
                auto master = s->command({"SENTINEL", "master", masterName_});
                auto replicas = s->command({"SENTINEL", "replicas", masterName_});
                return master.find("num-other-sentinels\n2") != std::string::npos &&
                       replicas.find(std::to_string(servers_[1]->port())) != std::string::npos;
            },
            std::chrono::seconds(15),
            "sentinel on port " + std::to_string(s->port()) +
                " to know the replica and the other sentinels");
    }
}

SentinelDeployment::~SentinelDeployment() {
    for (auto& s : sentinels_) s->stop();
}

RedisServer& SentinelDeployment::master() {
    const std::string address = sentinels_[0]->masterAddress();
    for (auto& server : servers_)
        if (address == "127.0.0.1:" + std::to_string(server->port())) return *server;
    throw HarnessError("the sentinels name no known server as master: " + address);
}

RedisServer& SentinelDeployment::replica() {
    RedisServer& m = master();
    return &m == servers_[0].get() ? *servers_[1] : *servers_[0];
}

std::vector<std::string> SentinelDeployment::sentinelAddresses() const {
    std::vector<std::string> out;
    for (const auto& s : sentinels_) out.push_back(s->address());
    return out;
}

void SentinelDeployment::waitForReplication() {
    // WAIT counts only the writes of the connection that sends it, and the harness's connection
    // has made none: compare replication offsets instead, which covers every client's writes.
    RedisServer& from = master();
    RedisServer& to = replica();
    const long long target =
        std::stoll(field(from.command({"INFO", "replication"}), "master_repl_offset"));
    waitUntil(
        [&] {
            auto offset = field(to.command({"INFO", "replication"}), "slave_repl_offset");
            return !offset.empty() && std::stoll(offset) >= target;
        },
        std::chrono::seconds(10),
        "the replica to reach the master's replication offset " + std::to_string(target));
}

RedisServer& SentinelDeployment::failover() {
    const int oldPort = master().port();
    std::string reply = sentinels_[0]->command({"SENTINEL", "failover", masterName_});
    if (reply != "OK") throw HarnessError("SENTINEL failover refused: " + reply);
    return waitForNewMaster(oldPort, std::chrono::seconds(20));
}

RedisServer& SentinelDeployment::waitForNewMaster(int oldPort, std::chrono::milliseconds timeout) {
    RedisServer* next = nullptr;
    for (auto& server : servers_)
        if (server->port() != oldPort) next = server.get();
    const std::string expected = "127.0.0.1:" + std::to_string(next->port());
    waitUntil(
        [&] {
            for (auto& s : sentinels_)
                if (s->masterAddress() != expected) return false;
            return next->command({"ROLE"}).rfind("master", 0) == 0;
        },
        timeout, "every sentinel to name " + expected + " as the new master");
    return *next;
}

}  // namespace sesame::testing
