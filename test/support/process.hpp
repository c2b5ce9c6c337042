#pragma once
// Real servers for integration tests: spawn a program, keep its output in log files, stop it by
// PID. Readiness is awaited with waitUntil/waitForTcp (polling a condition), never with a fixed
// sleep.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sesame::testing {

using namespace std::chrono_literals;

// A free TCP port on 127.0.0.1 (bind port 0, read it, close). Another process may take it before
// the server binds it: launchers retry with a new port when the server reports EADDRINUSE.
int freePort();

struct ProcessSpec {
    std::string program;                                   // absolute path, or looked up in PATH
    std::vector<std::string> args;                         // without argv[0]
    std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
    std::filesystem::path workingDir;                      // empty: the current directory
    std::filesystem::path logDir;                          // required: <name>.out / <name>.err
    std::string name;                                      // messages and log names
};

class Process {
  public:
    // Spawns at once; throws HarnessError when the program cannot be executed.
    explicit Process(ProcessSpec spec);
    ~Process();  // stop()
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    const std::string& name() const { return spec_.name; }
    bool running();  // reaps the child if it has exited
    // Exit code once exited (128 + signal number when killed by a signal).
    std::optional<int> exitCode();
    // SIGTERM, wait up to `grace`, then SIGKILL; always reaps. Idempotent.
    void stop(std::chrono::milliseconds grace = 5s);
    // Waits for the process to exit by itself; false on timeout (the process is left running).
    bool waitForExit(std::chrono::milliseconds timeout);

    std::filesystem::path stdoutPath() const;
    std::filesystem::path stderrPath() const;
    // The last lines of stdout and stderr, labelled, for failure messages.
    std::string logTail(std::size_t lines = 30) const;

  private:
    void spawn();
    void reap(int status);

    ProcessSpec spec_;
    pid_t pid_ = -1;
    std::optional<int> exitCode_;
};

// Starts a server on a free port: `launch(port)` spawns it into `process` and waits until it is
// ready. The port is free when we look, but another process may take it first: when the
// server's log says the address is "in use", tries again on another port (five attempts).
void startOnFreePort(std::unique_ptr<Process>& process, const std::function<void(int)>& launch);

struct CommandResult {
    int exitCode = -1;
    std::string output;  // stdout then stderr
};
// Runs a command to completion (a setup script); throws HarnessError if it exceeds `timeout`.
CommandResult runCommand(ProcessSpec spec, std::chrono::milliseconds timeout = 60s);

// Polls `ready` until it returns true. Throws HarnessError naming `what` when `timeout` passes or
// when `watched` exits first; the message carries the watched process's log tail.
void waitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
               std::string_view what, Process* watched = nullptr);
// SIGSTOP / SIGCONT to `pid`, returning once the kernel shows it stopped ('T' in /proc/<pid>/stat)
// or running again: a signal is delivered when the process next runs, so a server busy on the
// other core may still answer a command after kill() returns. Throws HarnessError after 5 s.
void stopProcess(int pid);
void continueProcess(int pid);
// Live processes (zombies excluded) one of whose command-line arguments contains `needle`, such as
// a server root: Apache's children carry their parent's `-f <root>/httpd.conf`, so a test can
// check that stopping a server left none of them behind.
std::vector<pid_t> processesMentioning(std::string_view needle);
// True once a TCP connection to host:port succeeds.
bool tcpAccepts(const std::string& host, int port);
void waitForTcp(const std::string& host, int port, std::chrono::milliseconds timeout,
                Process* watched = nullptr);

}  // namespace sesame::testing
