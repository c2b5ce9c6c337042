#pragma once
// Launchers for the real servers Sesame's integration tests and demo drive: redis-server, slapd
// (through scripts/slapd.sh), Apache httpd with mod_auth_cas and HAProxy. Each starts on a free
// loopback port in its own temporary directory, waits until the server answers, and stops it by
// PID.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::testing {

// ---------------------------------------------------------------------------------------------
struct RedisOptions {
    std::string password;                // non-empty: --requirepass
    std::vector<std::string> extraArgs;  // more redis-server arguments
    std::string binary;                  // empty: $SESAME_REDIS_SERVER or /usr/bin/redis-server
    std::chrono::milliseconds startTimeout = std::chrono::seconds(10);
};

class RedisServer {
  public:
    explicit RedisServer(RedisOptions options = {});  // started, answering PING
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    void stop();
    void start();    // again, on the same port (after stop())
    void restart();  // stop() + start()
    bool running();
    void pause();   // SIGSTOP: alive but silent (a replica that stops following its master)
    void resume();  // SIGCONT

    std::string host() const { return "127.0.0.1"; }
    int port() const { return port_; }
    const std::string& password() const { return options_.password; }
    // One command over a fresh connection (AUTH first when a password is set). The reply as text:
    // "PONG", "OK", the bulk string, the integer, "(nil)", "ERR ..." for errors, arrays joined by
    // '\n'. Throws HarnessError when the server cannot be reached.
    std::string command(const std::vector<std::string>& args) const;
    std::string logTail() const;

  private:
    void launch();

    RedisOptions options_;
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

// One command to the redis-server or redis-sentinel on 127.0.0.1:<port>, over a fresh connection
// (AUTH first when `password` is set); the reply as RedisServer::command gives it.
std::string redisCommand(int port, const std::vector<std::string>& args,
                         const std::string& password = {});

// ---------------------------------------------------------------------------------------------
// redis-sentinel monitoring one master, with short timings so that a failover takes seconds.
struct SentinelOptions {
    std::string masterName = "sesame";
    int masterPort = 0;  // on 127.0.0.1
    int quorum = 2;
    std::chrono::milliseconds downAfter = std::chrono::milliseconds(1000);
    std::chrono::milliseconds failoverTimeout = std::chrono::milliseconds(3000);
    std::string password;  // non-empty: requirepass (clients of this sentinel must AUTH)
    // Set: also TLS on tlsPort() with this certificate and key (no client certificate asked);
    // the plain port stays for the harness and the other sentinels.
    std::filesystem::path tlsCertificate;
    std::filesystem::path tlsPrivateKey;
    std::string binary;  // empty: $SESAME_REDIS_SENTINEL or /usr/bin/redis-sentinel
    std::chrono::milliseconds startTimeout = std::chrono::seconds(10);
};

class RedisSentinelServer {
  public:
    explicit RedisSentinelServer(SentinelOptions options);  // started, knowing the master
    ~RedisSentinelServer();
    RedisSentinelServer(const RedisSentinelServer&) = delete;
    RedisSentinelServer& operator=(const RedisSentinelServer&) = delete;

    void stop();
    void pause();   // SIGSTOP: its connections stay open and silent (a host that vanished)
    void resume();  // SIGCONT
    int port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    int tlsPort() const { return tlsPort_; }  // 0 without tlsCertificate
    std::string command(const std::vector<std::string>& args) const;
    // The master this sentinel names now, "host:port".
    std::string masterAddress() const;
    std::string logTail() const;

  private:
    void launch();
    SentinelOptions options_;
    TempDir dir_;
    int port_ = 0;
    int tlsPort_ = 0;
    std::unique_ptr<Process> process_;
};

// The Sentinel shape of a deployment: a master, one replica and three sentinels (quorum 2), all
// on free loopback ports, returned once the replica is in sync and every sentinel knows the
// replica and the two other sentinels (so that a failover can start at once).
class SentinelDeployment {
  public:
    explicit SentinelDeployment(std::string masterName = "sesame");
    ~SentinelDeployment();

    const std::string& masterName() const { return masterName_; }
    // The two servers; which one is the master changes with a failover.
    RedisServer& server(std::size_t i) { return *servers_.at(i); }
    RedisServer& master();   // the one the sentinels name now
    RedisServer& replica();  // the other one
    RedisSentinelServer& sentinel(std::size_t i) { return *sentinels_.at(i); }
    std::vector<std::string> sentinelAddresses() const;  // "127.0.0.1:port"

    // Waits until the replica has every write the master acknowledged so far, whoever made it
    // (what `WAIT 1` gives one connection, for all of them).
    void waitForReplication();
    // `SENTINEL failover`, then waits until every sentinel names the other server and that server
    // says it is the master. Returns the new master.
    RedisServer& failover();
    // Waits until every sentinel names a master other than `oldPort` and it says so itself (after
    // the master process was stopped, for instance).
    RedisServer& waitForNewMaster(int oldPort, std::chrono::milliseconds timeout);

  private:
    std::string masterName_;
    std::vector<std::unique_ptr<RedisServer>> servers_;
    std::vector<std::unique_ptr<RedisSentinelServer>> sentinels_;
};

// ---------------------------------------------------------------------------------------------
// slapd with the demo directories (etc/demo/ldap), through the script that owns its setup:
//   scripts/slapd.sh start <datadir> <port>   returns once slapd answers
//   scripts/slapd.sh stop <datadir>
struct SlapdOptions {
    std::filesystem::path script;  // empty: <source>/scripts/slapd.sh
    std::chrono::milliseconds startTimeout = std::chrono::seconds(60);
};

class SlapdServer {
  public:
    explicit SlapdServer(SlapdOptions options = {});  // started
    ~SlapdServer();
    SlapdServer(const SlapdServer&) = delete;
    SlapdServer& operator=(const SlapdServer&) = delete;

    void stop();
    void start();  // on the same port and data directory
    void restart();
    bool running() const { return running_; }
    int port() const { return port_; }
    std::string url() const { return "ldap://127.0.0.1:" + std::to_string(port_); }
    const std::filesystem::path& dataDir() const { return dataDir_; }

  private:
    CommandResult runScript(const std::vector<std::string>& args) const;

    SlapdOptions options_;
    TempDir dir_;
    std::filesystem::path dataDir_;
    int port_ = 0;
    bool running_ = false;
};

// ---------------------------------------------------------------------------------------------
// Apache httpd + mod_auth_cas 1.2 protecting /app1/, /app2/ and /staff/, three separate CAS
// services served by etc/demo/apache/whoami.cgi. Configured by etc/demo/apache/render.sh from
// etc/demo/apache/httpd.conf.in, the same files the demo uses.
enum class CasValidation {
    p3ServiceValidate,  // CASVersion 2 + <base>/p3/serviceValidate (attributes: yes)
    serviceValidate,    // CASVersion 2 + <base>/serviceValidate (attributes: yes, CAS 3.0 style)
    samlValidate,       // CASValidateSAML On + <base>/samlValidate (SAML 1.1 attributes)
};

struct ApacheCasOptions {
    std::string casBaseUrl;        // "https://127.0.0.1:8443/cas"
    std::filesystem::path caFile;  // CA that signed Sesame's certificate
    CasValidation validation = CasValidation::p3ServiceValidate;
    int timeoutSeconds = 7200;      // CASTimeout
    int idleTimeoutSeconds = 3600;  // CASIdleTimeout
    bool debug = false;             // CASDebug On + LogLevel debug
    std::string binary;             // empty: $SESAME_APACHE2 or /usr/sbin/apache2
    std::chrono::milliseconds startTimeout = std::chrono::seconds(15);
};

class ApacheCasService {
  public:
    explicit ApacheCasService(ApacheCasOptions options);  // started, answering /ping
    ~ApacheCasService();
    ApacheCasService(const ApacheCasService&) = delete;
    ApacheCasService& operator=(const ApacheCasService&) = delete;

    void stop();
    void start();  // same port and configuration
    void restart();
    bool running();

    int port() const { return port_; }
    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // The CAS service URL of a location, exactly as mod_auth_cas sends it (decoded):
    // serviceUrl("app1") == "http://127.0.0.1:<port>/app1/".
    std::string serviceUrl(std::string_view location) const;
    static std::vector<std::string> locations() { return {"app1", "app2", "staff"}; }

    const std::filesystem::path& serverRoot() const { return dir_.path(); }
    // mod_auth_cas sessions currently on disk (one file per logged-in browser and location).
    std::size_t sessionCount() const;
    std::string errorLogTail(std::size_t lines = 40) const;

    // The phpCAS service at /php/ (etc/demo/apache/phpcas/index.php under mod_php): there only
    // when mod_php and phpCAS are installed; serviceUrl("php") is its CAS service URL.
    static bool phpAvailable();
    // PHP's session.save_path: one "sess_<id>" file per PHP session (the id is the cookie's value).
    std::filesystem::path phpSessionDir() const { return dir_.path() / "php-sessions"; }
    std::string phpErrorLogTail(std::size_t lines = 40) const;

  private:
    void render();
    void launch();

    ApacheCasOptions options_;
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

// ---------------------------------------------------------------------------------------------
// HAProxy in front of two Sesame nodes with the reference configuration etc/haproxy/sesame.cfg
// (the file the demo and operators use), TLS on a free loopback port. Tests that must reach one
// node through HAProxy ("a session opened through node A") get one more frontend per node that
// sends everything to that node only. Node states are read from a stats page on loopback.
struct HaproxyOptions {
    std::string node1, node2;                       // host:port of each node's plain HTTP listener
    std::filesystem::path certificate, privateKey;  // served to clients (PEM)
    int port = 0;                                   // 0: a free port
    bool pinnedFrontends = false;                   // pinnedUrl(1), pinnedUrl(2)
    std::string binary;                             // empty: $SESAME_HAPROXY or /usr/sbin/haproxy
    std::chrono::milliseconds startTimeout = std::chrono::seconds(15);
};

class HaproxyServer {
  public:
    explicit HaproxyServer(HaproxyOptions options);  // started, its frontend accepting
    ~HaproxyServer();
    HaproxyServer(const HaproxyServer&) = delete;
    HaproxyServer& operator=(const HaproxyServer&) = delete;

    void stop();
    int port() const { return port_; }
    std::string baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }
    // Through HAProxy to node 1 or 2 only (pinnedFrontends).
    std::string pinnedUrl(int node) const;
    // "UP", "DOWN", "UP 1/2" ... as HAProxy's stats say for server node<n> of sesame_nodes.
    std::string nodeStatus(int node) const;
    // Requests HAProxy sent to node<n> so far (its stats' total sessions).
    long nodeRequests(int node) const;
    // Waits until HAProxy's checks see node<n> in `status` ("UP" or "DOWN").
    void waitForNode(int node, std::string_view status, std::chrono::milliseconds timeout);
    std::string logTail() const;

  private:
    std::vector<std::string> statsLine(int node) const;

    HaproxyOptions options_;
    TempDir dir_;
    int port_ = 0, statsPort_ = 0, pinnedPorts_[2] = {0, 0};
    std::unique_ptr<Process> process_;
};

}  // namespace sesame::testing
