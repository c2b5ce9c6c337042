#include "gateway/core/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"

namespace sesame::core {
namespace {
namespace fs = std::filesystem;
const Logger log{"config"};
}  // namespace

std::string loadOrCreateSecret(const std::string& path, std::string& problem) {
    if (fs::exists(path)) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        auto secret = text.str();
        secret = secret.substr(0, secret.find_first_of("\r\n"));
        if (!in) problem = "cannot be read";
        if (secret.size() < 32) problem = "shorter than 32 characters";
        return secret;
    }
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return loadOrCreateSecret(path, problem);
        problem = "cannot be created (" + std::string(std::strerror(errno)) + ")";
        return {};
    }
    std::string secret = randomToken(32) + "\n";
    bool written = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
    ::close(fd);
    if (!written) problem = "cannot be written";
    secret.pop_back();
    log.info("secret_created", {{"file", path}});
    return secret;
}

std::string secretModeProblem(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return {};
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return path + ": readable by group or others (mode " + mode + "): chmod 600 " + path;
}

}  // namespace sesame::core
