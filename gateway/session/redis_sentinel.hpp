#pragma once
// What Redis Sentinel and a master say during discovery and failover, read without I/O, so that
// RedisClient's decisions can be unit-tested on reply values.
// The protocol: https://redis.io/docs/reference/sentinel-clients/ ("Redis service discovery via
// Sentinel", "Handling reconnections", "Sentinel failover disconnection").
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "gateway/session/redis_config.hpp"
#include "gateway/session/redis_reply.hpp"

namespace sesame::session {

// The reply to `SENTINEL get-master-addr-by-name <name>`: the master, or why there is none
// (a nil reply: this sentinel does not monitor that name).
struct SentinelAnswer {
    std::optional<RedisEndpoint> master;
    std::string problem;
};
SentinelAnswer readMasterAddress(const RedisReply& reply);

// The reply to `ROLE`: true when its first element says "master". A sentinel's answer can be
// stale (it has not yet heard of a failover), so a client checks the server it was sent to.
bool isMasterRole(const RedisReply& reply);

// A message on the `+switch-master` channel ("message", "+switch-master",
// "<name> <old-ip> <old-port> <new-ip> <new-port>"): the new master when it is about `masterName`.
std::optional<RedisEndpoint> readSwitchMaster(const RedisReply& message,
                                              const std::string& masterName);

// An error reply that says the server is now a replica ("READONLY You can't write against a read
// only replica."), at the top or inside a transaction's replies.
bool isReadOnlyError(const RedisReply& reply);

// Puts the sentinel at `index` first, keeping the others' order: the one that answered last is
// asked first next time (the guideline of the sentinel clients page).
void preferSentinel(std::vector<RedisEndpoint>& sentinels, std::size_t index);

}  // namespace sesame::session
