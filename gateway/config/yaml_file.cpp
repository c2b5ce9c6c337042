#include "gateway/config/yaml_file.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace sesame::config {
namespace {

class ConfigCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.config"; }
    std::string message(int ev) const override {
        switch (static_cast<ConfigErrc>(ev)) {
            case ConfigErrc::ok:
                return "ok";
            case ConfigErrc::unreadable:
                return "configuration file unreadable";
            case ConfigErrc::syntax:
                return "configuration file is not valid YAML";
        }
        return "unknown sesame.config error";
    }
};

// Aliases can nest an anchor inside itself, or expand exponentially ("billion laughs"):
// bounded, so that a broken file gives an error instead of a hang or a stack overflow.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxNodes = 200000;

class TreeBuilder {
  public:
    TreeBuilder(std::string file, core::ConfigErrors& errors)
        : file_(std::move(file)), errors_(errors) {}

    core::ConfigNode build(const YAML::Node& node, const std::string& path, int parentLine,
                           int depth) {
        const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : parentLine;
        if (++count_ > kMaxNodes || depth > kMaxDepth) {
            if (!failed_)
                errors_.add(file_, line, path,
                            "the document is too deep or too large (recursive or exploding "
                            "aliases?)");
            failed_ = true;
            return core::ConfigNode::makeNull(file_, path, line);
        }
        switch (node.Type()) {
            case YAML::NodeType::Scalar:
                return core::ConfigNode::makeScalar(node.Scalar(), file_, path, line);
            case YAML::NodeType::Sequence:
                return sequence(node, path, line, depth);
            case YAML::NodeType::Map:
                return map(node, path, line, depth);
            default:
                return core::ConfigNode::makeNull(file_, path, line);
        }
    }
    bool failed() const { return failed_; }

  private:
    core::ConfigNode sequence(const YAML::Node& node, const std::string& path, int line,
                              int depth) {
        auto out = core::ConfigNode::makeSequence(file_, path, line);
        std::size_t i = 0;
        for (const auto& item : node)
            out.addItem(build(item, path + "[" + std::to_string(i++) + "]", line, depth + 1));
        return out;
    }

    core::ConfigNode map(const YAML::Node& node, const std::string& path, int line, int depth) {
        auto out = core::ConfigNode::makeMap(file_, path, line);
        std::set<std::string> keys;
        std::vector<YAML::Node> merges;
        for (auto it = node.begin(); it != node.end(); ++it) {
            const int keyLine = it->first.Mark().line + 1;
            if (!it->first.IsScalar()) {
                errors_.add(file_, keyLine, path, "expected a text key");
                failed_ = true;
                continue;
            }
            const std::string key = it->first.Scalar();
            if (key == "<<") {
                merges.push_back(it->second);
                continue;
            }
            const auto childPath = path.empty() ? key : path + "." + key;
            if (!keys.insert(key).second) {
                errors_.add(file_, keyLine, childPath, "duplicate key");
                failed_ = true;
                continue;
            }
            out.addEntry(key, build(it->second, childPath, keyLine, depth + 1));
        }
        for (const auto& merge : merges) mergeInto(out, keys, merge, path, line, depth);
        return out;
    }

    // YAML merge key: the merged maps' entries, unless the map sets the key itself; with a list
    // of maps, the first one that sets a key wins (yaml.org/type/merge.html).
    void mergeInto(core::ConfigNode& out, std::set<std::string>& keys, const YAML::Node& merge,
                   const std::string& path, int line, int depth) {
        std::vector<YAML::Node> sources;
        if (merge.IsMap()) sources.push_back(merge);
        if (merge.IsSequence())
            for (const auto& m : merge) sources.push_back(m);
        if (sources.empty() || std::any_of(sources.begin(), sources.end(),
                                           [](const YAML::Node& m) { return !m.IsMap(); })) {
            errors_.add(file_, line, path.empty() ? "<<" : path + ".<<",
                        "expected a map or a list of maps to merge (e.g. <<: *defaults)");
            failed_ = true;
            return;
        }
        for (const auto& source : sources) {
            auto merged = map(source, path, line, depth + 1);
            for (const auto& [key, value] : merged.entries())
                if (keys.insert(key).second) out.addEntry(key, value);
        }
    }

    std::string file_;
    core::ConfigErrors& errors_;
    std::size_t count_ = 0;
    bool failed_ = false;
};

// Counts the documents of a stream from the parser's events, noting where each one's content
// starts. Not YAML::LoadAll: yaml-cpp 0.7 (Debian 12) loops forever on some broken streams (a
// lone ","), reporting one more empty document at each call without consuming anything, and
// LoadAll keeps them all until memory runs out (found by test/fuzz config_yaml; upstream
// jbeder/yaml-cpp#1040, fixed by #1319, which ends the stream at the first empty document, as
// documentCount does).
class DocumentCounter final : public YAML::EventHandler {
  public:
    void OnDocumentStart(const YAML::Mark&) override { content_.reset(); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { seen(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string&) override {
        seen(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        seen(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        seen(mark);
    }
    void OnMapEnd() override {}

    // Where the last document's content starts; none for an empty document.
    const std::optional<YAML::Mark>& content() const { return content_; }

  private:
    void seen(const YAML::Mark& mark) {
        if (!content_) content_ = mark;
    }
    std::optional<YAML::Mark> content_;
};

struct DocumentCount {
    std::size_t documents = 0;
    int secondLine = 0;  // 1-based line of the second document's content
};

// Throws YAML::Exception on a syntax error, as YAML::Load does.
DocumentCount documentCount(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    DocumentCount out;
    while (parser.HandleNextDocument(counter) && counter.content()) {
        if (++out.documents == 2) out.secondLine = counter.content()->line + 1;
    }
    return out;
}

}  // namespace

const boost::system::error_category& configCategory() noexcept {
    static const ConfigCategory category;
    return category;
}

Result<core::ConfigNode> loadYamlString(const std::string& text, const std::string& file,
                                        core::ConfigErrors& errors) {
    DocumentCount count;
    YAML::Node document;
    try {
        count = documentCount(text);
        if (count.documents == 1) document = YAML::Load(text);  // the first document only
    } catch (const YAML::Exception& e) {
        errors.add(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "YAML syntax error: " + e.msg);
        return make_error_code(ConfigErrc::syntax);
    }
    if (count.documents == 0) return core::ConfigNode::makeNull(file, "", 1);
    if (count.documents > 1) {
        errors.add(file, count.secondLine, "",
                   "expected one YAML document, found " + std::to_string(count.documents));
        return make_error_code(ConfigErrc::syntax);
    }
    TreeBuilder builder(file, errors);
    auto root = builder.build(document, "", 1, 0);
    if (builder.failed()) return make_error_code(ConfigErrc::syntax);
    return root;
}

Result<core::ConfigNode> loadYamlFile(const std::string& path, core::ConfigErrors& errors) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        errors.add(path, 0, "", std::string("cannot open the file: ") + std::strerror(errno));
        return make_error_code(ConfigErrc::unreadable);
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        errors.add(path, 0, "", "cannot read the file");
        return make_error_code(ConfigErrc::unreadable);
    }
    return loadYamlString(text.str(), path, errors);
}

std::vector<core::ConfigNode> loadYamlDirectory(const std::string& dir,
                                                core::ConfigErrors& errors) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
        errors.add(dir, 0, "", "cannot list the folder: " + ec.message());
        return {};
    }
    for (; it != end; it.increment(ec)) {
        const auto& p = it->path();
        const auto name = p.filename().string();
        const auto ext = p.extension().string();
        if (name.empty() || name.front() == '.' || (ext != ".yml" && ext != ".yaml")) continue;
        std::error_code typeError;
        if (fs::is_regular_file(p, typeError)) files.push_back(p);
    }
    if (ec) errors.add(dir, 0, "", "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    std::vector<core::ConfigNode> out;
    for (const auto& f : files)
        if (auto node = loadYamlFile(f.string(), errors)) out.push_back(std::move(*node));
    return out;
}

std::string resolvePath(const core::ConfigNode& node, const std::string& value) {
    return node.resolvePath(value);
}

}  // namespace sesame::config
