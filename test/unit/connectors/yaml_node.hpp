#pragma once
// Test support: YAML text -> core::ConfigNode, so that connector tests read like the configuration
// an academy writes. The product reads YAML in gateway/config; this stays in the tests.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gateway/core/config_node.hpp"

namespace sesame::test {

inline core::ConfigNode toConfigNode(const YAML::Node& y, const std::string& file,
                                     const std::string& path) {
    int line = y.Mark().line + 1;
    switch (y.Type()) {
        case YAML::NodeType::Scalar:
            return core::ConfigNode::makeScalar(y.Scalar(), file, path, line);
        case YAML::NodeType::Sequence: {
            auto n = core::ConfigNode::makeSequence(file, path, line);
            for (std::size_t i = 0; i < y.size(); ++i)
                n.addItem(toConfigNode(y[i], file, path + "[" + std::to_string(i) + "]"));
            return n;
        }
        case YAML::NodeType::Map: {
            auto n = core::ConfigNode::makeMap(file, path, line);
            for (const auto& kv : y) {
                auto key = kv.first.Scalar();
                n.addEntry(key,
                           toConfigNode(kv.second, file, path.empty() ? key : path + "." + key));
            }
            return n;
        }
        default:
            return core::ConfigNode::makeNull(file, path, line);
    }
}

inline core::ConfigNode yamlNode(const std::string& text, const std::string& file = "test.yml") {
    return toConfigNode(YAML::Load(text), file, "");
}

inline core::ConfigNode yamlFile(const std::string& path) {
    return toConfigNode(YAML::LoadFile(path), path, "");
}

}  // namespace sesame::test
