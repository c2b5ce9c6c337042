#pragma once
// A real Sesame process for integration tests: the demo configuration (etc/sesame.yml, the demo
// directories and service registry) with the ports of this test's own servers, a throwaway TLS
// certificate, started as `sesame serve` and awaited on /readyz.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "test/support/http_client.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"
#include "test/support/test_certificate.hpp"

namespace sesame::testing {

struct SesameOptions {
    std::string redisAddress;  // host:port
    std::string ldapUrl;       // ldap://127.0.0.1:port of the demo slapd
    // Text replacements applied to etc/sesame.yml after the ports (e.g. throttling limits).
    std::vector<std::pair<std::string, std::string>> edits;
    bool waitForRedis = true;  // false: wait on /healthz only (Redis is down on purpose)
    // A node of the reference deployment: plain HTTP (no server.tls), behind a reverse proxy on
    // 127.0.0.1 (server.trusted_proxies), with the proxy's address as server.public_url.
    bool behindProxy = false;
    std::string publicUrl = {};  // empty: this instance's own address
    // Redis key prefix; empty: one of its own. Nodes of one service share theirs.
    std::string keyPrefix = {};
    // Redis Sentinel instead of redisAddress: `redis.sentinel` with this master name and these
    // sentinels ("127.0.0.1:port").
    std::string sentinelMaster;
    std::vector<std::string> sentinels;
    // back_channel.ca_file; empty: this instance's own certificate (its peers are its own).
    std::string backChannelCaFile = {};
};

class SesameInstance {
  public:
    explicit SesameInstance(SesameOptions options);
    ~SesameInstance();

    std::string baseUrl() const {
        return (options_.behindProxy ? "http://127.0.0.1:" : "https://127.0.0.1:") +
               std::to_string(port_);
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string casUrl() const { return baseUrl() + "/cas"; }
    int port() const { return port_; }
    // This instance's namespace in the shared test Redis (redis.key_prefix): its own, or the
    // one it shares with the other nodes of its service.
    std::string keyPrefix() const {
        if (!options_.keyPrefix.empty()) return options_.keyPrefix;
        return "test" + std::to_string(::getpid()) + "-" + std::to_string(port_) + ":";
    }
    const std::filesystem::path& caFile() const { return certificate_.certificateFile; }
    const std::filesystem::path& keyFile() const { return certificate_.privateKeyFile; }
    const std::filesystem::path& configFile() const { return configFile_; }
    Process& process() { return *process_; }
    std::string logTail(std::size_t lines = 40) const { return process_->logTail(lines); }
    bool running() { return process_->running(); }
    // Runs `sesame <args> -c <config>` to completion.
    CommandResult cli(const std::vector<std::string>& args, const std::string& stdinText = {});
    // SIGHUP, then waits until the log says the configuration was reloaded (or refused).
    void reload();

  private:
    SesameOptions options_;
    TempDir dir_;
    TestCertificate certificate_;
    std::filesystem::path configFile_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

// Source tree and binary, from CMake.
std::filesystem::path sesameBinary();
// An environment variable set by scripts/test.sh; fails the test with how to run it when unset.
std::string requiredEnv(const char* name);

}  // namespace sesame::testing
