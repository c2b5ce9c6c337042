#include "gateway/app/file_access.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "gateway/config/yaml_file.hpp"

namespace sesame::app {
namespace {

enum class Holds { publicData, secret };

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// The file that `node` names (relative to the configuration's folder): it must exist and be
// readable; a secret must also be closed to group and others.
void checkFile(const core::ConfigNode& node, Holds holds, core::ConfigErrors& errors) {
    if (!node.isScalar() || node.scalar().empty()) return;
    const std::string path = config::resolvePath(node, node.scalar());
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        errors.add(node, "cannot read " + path + ": " + std::strerror(errno));
        return;
    }
    if (!std::ifstream(path)) {
        errors.add(node, "cannot read " + path + ": " + std::strerror(errno));
        return;
    }
    if (holds == Holds::secret && (status.st_mode & 077) != 0)
        errors.add(node, path + " holds a secret and is open to group or others (mode " +
                             octal(status.st_mode) + "): chmod 600 " + path);
}

// A local directory's accounts file is a secret when it holds password hashes (argon2id PHC
// strings, which an attacker can try passwords against offline).
Holds accountsFile(const core::ConfigNode& node) {
    if (!node.isScalar()) return Holds::publicData;
    std::ifstream in(config::resolvePath(node, node.scalar()));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("$argon2") != std::string::npos ? Holds::secret : Holds::publicData;
}

// A `tls:` map of the redis section (for Redis, or for its sentinels).
void checkTlsFiles(const core::ConfigNode& tls, core::ConfigErrors& errors) {
    checkFile(tls["ca_file"], Holds::publicData, errors);
    checkFile(tls["certificate"], Holds::publicData, errors);
    checkFile(tls["private_key"], Holds::secret, errors);
}

}  // namespace

void checkFileAccess(const core::ConfigNode& root, core::ConfigErrors& errors) {
    const auto& tls = root["server"]["tls"];
    checkFile(tls["certificate"], Holds::publicData, errors);
    checkFile(tls["private_key"], Holds::secret, errors);
    const auto& redis = root["redis"];
    checkFile(redis["password_file"], Holds::secret, errors);
    checkTlsFiles(redis["tls"], errors);
    const auto& sentinel = redis["sentinel"];
    checkFile(sentinel["password_file"], Holds::secret, errors);
    checkTlsFiles(sentinel["tls"], errors);
    if (!root["directories"].isSequence()) return;
    for (const auto& directory : root["directories"].items()) {
        checkFile(directory["bind_password_file"], Holds::secret, errors);
        const auto& accounts = directory["accounts_file"];
        checkFile(accounts, accountsFile(accounts), errors);
    }
}

}  // namespace sesame::app
