#pragma once
// Secrets Sesame makes for itself at first start (the SAML persistent-NameID key, the OIDC
// pairwise-subject key): files of mode 0600 next to the configuration, never in the repository.
#include <string>

namespace sesame::core {

// The secret in `path` (its first line), or a new one (32 random bytes, base64url) written there
// with mode 0600 and O_EXCL, so that two processes starting at once never replace each other's.
// `problem` is set (and the result may be empty) when the file cannot be read, is shorter than
// 32 characters, or cannot be created.
std::string loadOrCreateSecret(const std::string& path, std::string& problem);

// Why a private key or secret file must not be used as it is: readable by group or others
// ("readable by group or others (mode 0644): chmod 600 <path>"), OpenSSH's rule for keys; empty
// when its mode is right or it does not exist.
std::string secretModeProblem(const std::string& path);

}  // namespace sesame::core
