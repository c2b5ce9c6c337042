#pragma once
// What `sesame check-config` checks of the files a configuration names, beyond what loading it
// checks: the TLS certificates and keys exist and can be read, and every file that holds a
// secret (a private key, the Redis password, an LDAP bind password, local password hashes) is
// closed to group and others (mode & 077 == 0), as OpenSSH asks of its keys: a password file
// that every account of the server can read is a password given to all of them.
#include "gateway/core/config_node.hpp"

namespace sesame::app {

// `root`: the whole configuration file (etc/sesame.yml). Adds one error per file, with the key
// that names it and what to do (`chmod 600 <file>`).
void checkFileAccess(const core::ConfigNode& root, core::ConfigErrors& errors);

}  // namespace sesame::app
