#pragma once
// YAML files -> the neutral configuration tree (core::ConfigNode). yaml-cpp stays inside this
// folder: every other module parses its own section from the tree, and every node keeps the
// file, line and key path for its error messages.
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/core/result.hpp"

namespace sesame::config {

enum class ConfigErrc {
    ok = 0,
    unreadable,  // the file cannot be opened or read
    syntax,      // not YAML, or a tree this loader refuses (duplicate keys, too deep...)
};

const boost::system::error_category& configCategory() noexcept;

inline error_code make_error_code(ConfigErrc e) noexcept {
    return {static_cast<int>(e), configCategory()};
}

// One YAML document. Anchors and aliases are expanded, and merge keys ("<<: *defaults") are
// applied, explicit keys winning. A duplicate key is an error (yaml-cpp would keep both and a
// reader would silently see the first). Every problem is also added to `errors` with its line.
Result<core::ConfigNode> loadYamlFile(const std::string& path, core::ConfigErrors& errors);
// The same from text; `file` is the name used in messages.
Result<core::ConfigNode> loadYamlString(const std::string& text, const std::string& file,
                                        core::ConfigErrors& errors);
// Every "*.yml" / "*.yaml" regular file of `dir` (not hidden ones), sorted by file name; files
// that fail to load are left out, their errors added to `errors`.
std::vector<core::ConfigNode> loadYamlDirectory(const std::string& dir, core::ConfigErrors& errors);
// `value` relative to the folder of the file that `node` came from; absolute paths unchanged.
std::string resolvePath(const core::ConfigNode& node, const std::string& value);

}  // namespace sesame::config

template <>
struct boost::system::is_error_code_enum<sesame::config::ConfigErrc> : std::true_type {};
