#include "gateway/core/config_node.hpp"

#include <filesystem>

#include <algorithm>
#include <charconv>
#include <memory>

namespace sesame::core {

ConfigNode ConfigNode::makeScalar(std::string value, std::string file, std::string path, int line) {
    ConfigNode n;
    n.kind_ = Kind::scalar;
    n.scalar_ = std::move(value);
    n.file_ = std::move(file);
    n.path_ = std::move(path);
    n.line_ = line;
    return n;
}

ConfigNode ConfigNode::makeSequence(std::string file, std::string path, int line) {
    ConfigNode n = makeScalar({}, std::move(file), std::move(path), line);
    n.kind_ = Kind::sequence;
    return n;
}

ConfigNode ConfigNode::makeMap(std::string file, std::string path, int line) {
    ConfigNode n = makeScalar({}, std::move(file), std::move(path), line);
    n.kind_ = Kind::map;
    return n;
}

ConfigNode ConfigNode::makeNull(std::string file, std::string path, int line) {
    ConfigNode n = makeScalar({}, std::move(file), std::move(path), line);
    n.kind_ = Kind::null;
    return n;
}

std::string ConfigNode::resolvePath(const std::string& value) const {
    namespace fs = std::filesystem;
    fs::path p(value);
    if (value.empty() || p.is_absolute()) return value;
    auto folder = fs::path(file_).parent_path();
    if (folder.empty()) return value;
    return (folder / p).lexically_normal().string();
}

std::string ConfigNode::asPath(ConfigErrors& errors, const std::string& fallback) const {
    return resolvePath(asString(errors, fallback));
}

const ConfigNode& ConfigNode::operator[](const std::string& key) const {
    for (const auto& [k, v] : entries_)
        if (k == key) return v;
    // A missing key: remember where it would have been, for the error message. Kept in a small
    // per-thread cache so that the returned reference stays valid while the caller reads it.
    thread_local std::vector<std::unique_ptr<ConfigNode>> missing;
    if (missing.size() > 256) missing.erase(missing.begin(), missing.begin() + 128);
    auto node = std::make_unique<ConfigNode>();
    node->file_ = file_;
    node->line_ = line_;
    node->path_ = path_.empty() ? key : path_ + "." + key;
    missing.push_back(std::move(node));
    return *missing.back();
}

void ConfigNode::addEntry(std::string key, ConfigNode value) {
    entries_.emplace_back(std::move(key), std::move(value));
}

void ConfigNode::addItem(ConfigNode value) {
    items_.push_back(std::move(value));
}

std::string ConfigNode::asString(ConfigErrors& errors, const std::string& fallback) const {
    if (!present()) return fallback;
    if (!isScalar()) {
        errors.add(*this, "expected a text value");
        return fallback;
    }
    return scalar_;
}

std::string ConfigNode::requiredString(ConfigErrors& errors) const {
    if (!present() || (isScalar() && scalar_.empty())) {
        errors.add(*this, "is required (a text value)");
        return {};
    }
    return asString(errors);
}

std::int64_t ConfigNode::asInt(ConfigErrors& errors, std::int64_t fallback, std::int64_t min,
                               std::int64_t max) const {
    if (!present()) return fallback;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(scalar_.data(), scalar_.data() + scalar_.size(), v);
    if (!isScalar() || ec != std::errc{} || p != scalar_.data() + scalar_.size() || v < min ||
        v > max) {
        errors.add(*this, "expected a whole number from " + std::to_string(min) + " to " +
                              std::to_string(max));
        return fallback;
    }
    return v;
}

bool ConfigNode::asBool(ConfigErrors& errors, bool fallback) const {
    if (!present()) return fallback;
    if (scalar_ == "true" || scalar_ == "yes" || scalar_ == "on") return true;
    if (scalar_ == "false" || scalar_ == "no" || scalar_ == "off") return false;
    errors.add(*this, "expected true or false");
    return fallback;
}

namespace {
// "10s", "5m", "1h", "30d": the largest unit that divides it, as configurations write it.
std::string durationText(std::chrono::seconds d) {
    auto n = d.count();
    if (n != 0 && n % 86400 == 0) return std::to_string(n / 86400) + "d";
    if (n != 0 && n % 3600 == 0) return std::to_string(n / 3600) + "h";
    if (n != 0 && n % 60 == 0) return std::to_string(n / 60) + "m";
    return std::to_string(n) + "s";
}
}  // namespace

std::chrono::seconds ConfigNode::asDuration(ConfigErrors& errors, std::chrono::seconds fallback,
                                            std::chrono::seconds min,
                                            std::chrono::seconds max) const {
    auto before = errors.all().size();
    auto value = asDuration(errors, fallback);
    if (errors.all().size() == before && (value < min || value > max)) {
        errors.add(*this,
                   "expected a duration from " + durationText(min) + " to " + durationText(max));
        return fallback;
    }
    return value;
}

std::chrono::seconds ConfigNode::asDuration(ConfigErrors& errors,
                                            std::chrono::seconds fallback) const {
    if (!present()) return fallback;
    std::string s = isScalar() ? scalar_ : std::string{};
    std::int64_t factor = 1;
    if (!s.empty()) {
        switch (s.back()) {
            case 's':
                factor = 1;
                s.pop_back();
                break;
            case 'm':
                factor = 60;
                s.pop_back();
                break;
            case 'h':
                factor = 3600;
                s.pop_back();
                break;
            case 'd':
                factor = 86400;
                s.pop_back();
                break;
            default:
                break;
        }
    }
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v < 0) {
        errors.add(*this, "expected a duration such as 30s, 5m, 8h or 2d");
        return fallback;
    }
    return std::chrono::seconds(v * factor);
}

std::vector<std::string> ConfigNode::asStringList(ConfigErrors& errors) const {
    std::vector<std::string> out;
    if (!present()) return out;
    if (isScalar()) return {scalar_};
    if (!isSequence()) {
        errors.add(*this, "expected a list of text values");
        return out;
    }
    for (const auto& item : items_) {
        if (!item.isScalar()) {
            errors.add(item, "expected a text value");
            continue;
        }
        out.push_back(item.scalar_);
    }
    return out;
}

void ConfigNode::checkKeys(ConfigErrors& errors, const std::vector<std::string>& known) const {
    if (!isMap()) return;
    for (const auto& [k, v] : entries_) {
        if (std::find(known.begin(), known.end(), k) != known.end()) continue;
        std::string list;
        for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
        errors.add(v, "unknown key (expected one of: " + list + ")");
    }
}

void ConfigErrors::add(const ConfigNode& node, std::string message) {
    errors_.push_back({node.file(), node.line(), node.path(), std::move(message)});
}

void ConfigErrors::add(std::string file, int line, std::string path, std::string message) {
    errors_.push_back({std::move(file), line, std::move(path), std::move(message)});
}

std::string ConfigErrors::format() const {
    std::string out;
    for (const auto& e : errors_) {
        out += e.file.empty() ? "<config>" : e.file;
        if (e.line > 0) out += ":" + std::to_string(e.line);
        out += ": " + (e.path.empty() ? std::string("(top)") : e.path) + ": " + e.message + "\n";
    }
    return out;
}

}  // namespace sesame::core
