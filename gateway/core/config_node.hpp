#pragma once
// A neutral configuration tree. gateway/config reads YAML into it (yaml-cpp stays there); each
// module parses its own section from it into an immutable struct, reporting every problem to a
// ConfigErrors with the file, the key path and what was expected, so that one start prints all
// of them at once.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sesame::core {

class ConfigErrors;

class ConfigNode {
  public:
    enum class Kind { missing, null, scalar, sequence, map };

    ConfigNode() = default;
    static ConfigNode makeScalar(std::string value, std::string file, std::string path, int line);
    static ConfigNode makeSequence(std::string file, std::string path, int line);
    static ConfigNode makeMap(std::string file, std::string path, int line);
    static ConfigNode makeNull(std::string file, std::string path, int line);

    Kind kind() const { return kind_; }
    bool present() const { return kind_ != Kind::missing && kind_ != Kind::null; }
    bool isMap() const { return kind_ == Kind::map; }
    bool isSequence() const { return kind_ == Kind::sequence; }
    bool isScalar() const { return kind_ == Kind::scalar; }
    const std::string& file() const { return file_; }
    const std::string& path() const { return path_; }  // "services[2].release.uid"
    int line() const { return line_; }

    // Map access: a missing key gives a node of kind `missing` that still knows its path.
    const ConfigNode& operator[](const std::string& key) const;
    const std::vector<std::pair<std::string, ConfigNode>>& entries() const { return entries_; }
    const std::vector<ConfigNode>& items() const { return items_; }
    const std::string& scalar() const { return scalar_; }

    void addEntry(std::string key, ConfigNode value);
    void addItem(ConfigNode value);

    // Typed reads; each reports to `errors` and returns the fallback when the node is wrong.
    std::string asString(ConfigErrors& errors, const std::string& fallback = {}) const;
    std::string requiredString(ConfigErrors& errors) const;
    std::int64_t asInt(ConfigErrors& errors, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
    bool asBool(ConfigErrors& errors, bool fallback) const;
    // "30s", "5m", "8h", "2d" or a number of seconds.
    std::chrono::seconds asDuration(ConfigErrors& errors, std::chrono::seconds fallback) const;
    // The same, from `min` to `max` included ("expected a duration from 10s to 1h" otherwise).
    std::chrono::seconds asDuration(ConfigErrors& errors, std::chrono::seconds fallback,
                                    std::chrono::seconds min, std::chrono::seconds max) const;
    std::vector<std::string> asStringList(ConfigErrors& errors) const;  // scalar or sequence
    // A file path: a relative one (or the fallback) is taken from the folder of the file this
    // node was read from, so that a configuration works wherever it is installed.
    std::string asPath(ConfigErrors& errors, const std::string& fallback = {}) const;
    std::string resolvePath(const std::string& value) const;
    // Reports keys of a map that are not in `known` (catches typos such as "ttl" for "tll").
    void checkKeys(ConfigErrors& errors, const std::vector<std::string>& known) const;

  private:
    Kind kind_ = Kind::missing;
    std::string scalar_;
    std::vector<ConfigNode> items_;
    std::vector<std::pair<std::string, ConfigNode>> entries_;
    std::string file_;
    std::string path_;
    int line_ = 0;
};

struct ConfigError {
    std::string file;
    int line = 0;
    std::string path;
    std::string message;  // what was expected, in a sentence
};

class ConfigErrors {
  public:
    void add(const ConfigNode& node, std::string message);
    void add(std::string file, int line, std::string path, std::string message);
    bool empty() const { return errors_.empty(); }
    const std::vector<ConfigError>& all() const { return errors_; }
    std::string format() const;  // "etc/sesame.yml:12: http.listen: expected host:port"

  private:
    std::vector<ConfigError> errors_;
};

}  // namespace sesame::core
