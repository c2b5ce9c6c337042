#include "test/support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "test/support/harness_error.hpp"

extern char** environ;

namespace sesame::testing {
namespace {

constexpr auto pollInterval = 20ms;

std::string tailOf(const std::filesystem::path& file, std::size_t lines) {
    std::ifstream in(file);
    if (!in) return "(no " + file.filename().string() + ")\n";
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (last.size() > lines) last.pop_front();
    }
    std::string out;
    for (const auto& l : last) out += "  | " + l + "\n";
    return out.empty() ? "  | (empty)\n" : out;
}

// Everything the child needs is built before fork(): after it, only async-signal-safe calls.
struct ExecImage {
    std::vector<std::string> argvStore, envStore;
    std::vector<char*> argv, envp;

    explicit ExecImage(const ProcessSpec& spec) {
        argvStore.push_back(spec.program);
        argvStore.insert(argvStore.end(), spec.args.begin(), spec.args.end());
        std::map<std::string, std::string> env;
        for (char** e = environ; e && *e; ++e) {
            std::string kv(*e);
            auto eq = kv.find('=');
            if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        for (const auto& [k, v] : spec.env) env[k] = v;
        for (const auto& [k, v] : env) envStore.push_back(k + "=" + v);
        for (auto& s : argvStore) argv.push_back(s.data());
        argv.push_back(nullptr);
        for (auto& s : envStore) envp.push_back(s.data());
        envp.push_back(nullptr);
    }
};

}  // namespace

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw HarnessError(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        int err = errno;
        ::close(fd);
        throw HarnessError(std::string("cannot find a free port: ") + std::strerror(err));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

Process::Process(ProcessSpec spec) : spec_(std::move(spec)) {
    if (spec_.name.empty()) spec_.name = std::filesystem::path(spec_.program).filename().string();
    if (spec_.logDir.empty())
        throw HarnessError("ProcessSpec.logDir is required for " + spec_.name);
    std::filesystem::create_directories(spec_.logDir);
    spawn();
}

Process::~Process() {
    stop();
}

Process::Process(Process&& other) noexcept
    : spec_(std::move(other.spec_)), pid_(other.pid_), exitCode_(other.exitCode_) {
    other.pid_ = -1;
}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        stop();
        spec_ = std::move(other.spec_);
        pid_ = other.pid_;
        exitCode_ = other.exitCode_;
        other.pid_ = -1;
    }
    return *this;
}

std::filesystem::path Process::stdoutPath() const {
    return spec_.logDir / (spec_.name + ".out");
}
std::filesystem::path Process::stderrPath() const {
    return spec_.logDir / (spec_.name + ".err");
}

void Process::spawn() {
    ExecImage image(spec_);
    const std::string out = stdoutPath().string(), err = stderrPath().string();
    const std::string dir = spec_.workingDir.string();
    int outFd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int errFd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int report[2];
    if (outFd < 0 || errFd < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
        throw HarnessError("cannot prepare logs in " + spec_.logDir.string() + " for " +
                           spec_.name);
    }
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
        // A test that dies must not leave its servers behind: the kernel sends SIGTERM to the
        // child when the forking thread's process goes away.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::setpgid(0, 0);
        ::dup2(outFd, STDOUT_FILENO);
        ::dup2(errFd, STDERR_FILENO);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        int code = 0;
        if (!dir.empty() && ::chdir(dir.c_str()) != 0) {
            code = errno;
        } else {
            ::execvpe(image.argv[0], image.argv.data(), image.envp.data());
            code = errno;
        }
        ssize_t ignored = ::write(report[1], &code, sizeof code);
        (void)ignored;
        ::_exit(127);
    }
    ::close(outFd);
    ::close(errFd);
    ::close(report[1]);
    if (pid_ < 0) {
        ::close(report[0]);
        throw HarnessError("fork failed for " + spec_.name + ": " + std::strerror(errno));
    }
    int code = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &code, sizeof code);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == sizeof code) {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        throw HarnessError("cannot execute " + spec_.program + " (" + spec_.name +
                           "): " + std::strerror(code));
    }
}

void Process::reap(int status) {
    exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
}

bool Process::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        reap(status);
        return false;
    }
    return r == 0;
}

std::optional<int> Process::exitCode() {
    running();
    return exitCode_;
}

bool Process::waitForExit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

void Process::stop(std::chrono::milliseconds grace) {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    if (waitForExit(grace)) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) reap(status);
}

std::string Process::logTail(std::size_t lines) const {
    return "--- " + spec_.name + " stdout (" + stdoutPath().string() + ")\n" +
           tailOf(stdoutPath(), lines) + "--- " + spec_.name + " stderr (" + stderrPath().string() +
           ")\n" + tailOf(stderrPath(), lines);
}

CommandResult runCommand(ProcessSpec spec, std::chrono::milliseconds timeout) {
    std::string shown = spec.program;
    for (const auto& a : spec.args) shown += " " + a;
    Process process(std::move(spec));
    if (!process.waitForExit(timeout)) {
        std::string tail = process.logTail();
        process.stop();
        throw HarnessError("command did not finish within " + std::to_string(timeout.count()) +
                           " ms: " + shown + "\n" + tail);
    }
    CommandResult result;
    result.exitCode = process.exitCode().value_or(-1);
    for (const auto& file : {process.stdoutPath(), process.stderrPath()}) {
        // Not `stream << rdbuf()`: an empty file sets failbit and would swallow the next one.
        std::ifstream in(file, std::ios::binary);
        result.output.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return result;
}

namespace {
// The state letter of /proc/<pid>/stat ('R', 'S', 'T'...), or 0 when the process is gone.
char processState(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
    return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}
}  // namespace

std::vector<pid_t> processesMentioning(std::string_view needle) {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string arguments;
        try {
            std::ifstream in(entry.path() / "cmdline", std::ios::binary);
            arguments.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        } catch (const std::ios_base::failure&) {
            continue;  // it exited while being read (ESRCH): not left behind
        }
        const int pid = std::stoi(name);
        const char state = processState(pid);
        if (arguments.find(needle) != std::string::npos && state != 0 && state != 'Z')
            found.push_back(pid);
    }
    return found;
}

void stopProcess(int pid) {
    ::kill(pid, SIGSTOP);
    waitUntil(
        [pid] {
            char s = processState(pid);
            return s == 'T' || s == 0;
        },
        5s, "process " + std::to_string(pid) + " to stop");
}

void continueProcess(int pid) {
    ::kill(pid, SIGCONT);
    waitUntil([pid] { return processState(pid) != 'T'; }, 5s,
              "process " + std::to_string(pid) + " to continue");
}

void waitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
               std::string_view what, Process* watched) {
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        if (ready()) return;
        if (watched && !watched->running()) {
            throw HarnessError(watched->name() + " exited with code " +
                               std::to_string(watched->exitCode().value_or(-1)) +
                               " while waiting for " + std::string(what) + "\n" +
                               watched->logTail());
        }
        auto elapsed = std::chrono::steady_clock::now() - start;
        if (elapsed >= timeout) {
            throw HarnessError(
                "timed out after " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()) +
                " ms waiting for " + std::string(what) +
                (watched ? "\n" + watched->logTail() : ""));
        }
        std::this_thread::sleep_for(pollInterval);
    }
}

bool tcpAccepts(const std::string& host, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1 &&
              ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

void waitForTcp(const std::string& host, int port, std::chrono::milliseconds timeout,
                Process* watched) {
    waitUntil([&] { return tcpAccepts(host, port); }, timeout,
              "a TCP listener on " + host + ":" + std::to_string(port), watched);
}

void startOnFreePort(std::unique_ptr<Process>& process, const std::function<void(int)>& launch) {
    for (int attempt = 1;; ++attempt) {
        try {
            launch(freePort());
            return;
        } catch (const HarnessError&) {
            bool taken = process && process->logTail().find("in use") != std::string::npos;
            process.reset();
            if (!taken || attempt == 5) throw;
        }
    }
}

}  // namespace sesame::testing
