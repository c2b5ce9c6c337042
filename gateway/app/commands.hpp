#pragma once
// The `sesame` command line: serve, check-config, passwd, connector test, sessions list|revoke.
// Each command is a function returning the process exit status (0 ok, 1 failure, 2 bad usage or
// configuration).
#include <string>
#include <vector>

namespace sesame::app {

int runCommand(const std::vector<std::string>& args);

int serve(const std::string& configFile);
int checkConfig(const std::string& configFile);
int printPasswordHash();
int testConnector(const std::string& configFile, const std::string& directoryId,
                  const std::string& login);
int listSessions(const std::string& configFile, const std::string& login);
int revokeSessions(const std::string& configFile, const std::string& login);

}  // namespace sesame::app
