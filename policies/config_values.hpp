#pragma once
// Readers of configuration values shared by the rule, habilitation and service parsers of this
// folder (not part of the policy API).
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "policies/policy.hpp"

namespace sesame::policies {

std::string joined(const std::vector<std::string>& values);
// A non-empty list of text values (a single scalar counts as a list of one).
std::vector<std::string> parseValues(const core::ConfigNode& node, core::ConfigErrors& errors);
// Profile codes of any family, expanded to their canonical codes; unknown codes are errors.
std::vector<std::string> parseProfiles(const core::ConfigNode& node, core::ConfigErrors& errors);
// The rank of a level name on `ladder`; `what` names the ladder in the message.
int parseRank(const core::ConfigNode& node, const Ladder& ladder, const std::string& what,
              core::ConfigErrors& errors);

}  // namespace sesame::policies
