#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "gateway/config/yaml_file.hpp"

using namespace sesame;
using namespace sesame::config;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        path_ = fs::temp_directory_path() / ("sesame-config-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(next_++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string write(const std::string& name, const std::string& text) const {
        auto p = path_ / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
    static inline int next_ = 0;
};

core::ConfigNode load(const std::string& text) {
    core::ConfigErrors errors;
    auto node = loadYamlString(text, "t.yml", errors);
    INFO(errors.format());
    REQUIRE(node.has_value());
    REQUIRE(errors.empty());
    return *node;
}

std::string loadErrors(const std::string& text) {
    core::ConfigErrors errors;
    auto node = loadYamlString(text, "t.yml", errors);
    CHECK_FALSE(node.has_value());
    CHECK(node.error() == make_error_code(ConfigErrc::syntax));
    return errors.format();
}

}  // namespace

TEST_CASE("a YAML file becomes a tree that knows file, line and key path", "[unit][config]") {
    TempDir dir;
    auto file = dir.write("sesame.yml", R"(# comment
server:
  listen: 127.0.0.1:8443
  threads: 2
services:
  - id: a
    release: { uid: login }
  - id: b
empty:
quoted: "~"
)");
    core::ConfigErrors errors;
    auto root = loadYamlFile(file, errors);
    REQUIRE(root.has_value());
    CHECK(errors.empty());
    CHECK(root->isMap());
    const auto& listen = (*root)["server"]["listen"];
    CHECK(listen.scalar() == "127.0.0.1:8443");
    CHECK(listen.file() == file);
    CHECK(listen.line() == 3);
    CHECK(listen.path() == "server.listen");
    const auto& uid = (*root)["services"].items().at(0)["release"]["uid"];
    CHECK(uid.scalar() == "login");
    CHECK(uid.path() == "services[0].release.uid");
    CHECK(uid.line() == 7);
    CHECK((*root)["services"].items().at(1)["id"].line() == 8);
    CHECK((*root)["services"].items().at(1).path() == "services[1]");
    CHECK((*root)["empty"].kind() == core::ConfigNode::Kind::null);
    CHECK((*root)["quoted"].scalar() == "~");  // quoted: text, not null
    CHECK((*root)["server"]["threads"].asInt(errors, 0, 1, 64) == 2);
    // A missing key still says where it would have been.
    CHECK((*root)["server"]["tls"].path() == "server.tls");
    CHECK_FALSE((*root)["server"]["tls"].present());
}

TEST_CASE("anchors, aliases and merge keys are expanded", "[unit][config]") {
    auto root = load(R"(
defaults: &defaults
  protocol: cas
  single_logout: true
release: &release [uid, mail]
a:
  <<: *defaults
  single_logout: false
  release: *release
b:
  <<: [*defaults, { protocol: saml, extra: 1 }]
)");
    const auto& a = root["a"];
    CHECK(a["protocol"].scalar() == "cas");
    CHECK(a["protocol"].path() == "a.protocol");
    CHECK(a["protocol"].line() == 3);               // where the text is: the anchored map
    CHECK(a["single_logout"].scalar() == "false");  // explicit keys win
    CHECK(a["release"].items().size() == 2);
    CHECK(root["b"]["protocol"].scalar() == "cas");  // the first merged map wins
    CHECK(root["b"]["extra"].scalar() == "1");
    CHECK(a.entries().size() == 3);
}

TEST_CASE("a syntax error is reported with its line", "[unit][config]") {
    CHECK_THAT(loadErrors("a: 1\nb: [1, 2\nc: 3\n"), Contains("t.yml:"));
    CHECK_THAT(loadErrors("a: 1\n  b: 2\n"), Contains("t.yml:2: (top): YAML syntax error: "));
    CHECK_THAT(loadErrors("a: {b: 1\n"), Contains("YAML syntax error"));
}

TEST_CASE("a stream yaml-cpp cannot end is refused instead of filling memory", "[unit][config]") {
    // yaml-cpp 0.7 reads "," as endless empty documents (test/fuzz, corpus/config_yaml/lone-comma).
    core::ConfigErrors errors;
    auto root = loadYamlString(",\n", "t.yml", errors);
    REQUIRE(root.has_value());
    CHECK_FALSE(root->present());
    CHECK_THAT(loadErrors("a: 1\n,\n"), Contains("t.yml:"));
}

TEST_CASE("trees the loader refuses", "[unit][config]") {
    CHECK_THAT(loadErrors("a: 1\nb: 2\na: 3\n"), Contains("t.yml:3: a: duplicate key"));
    CHECK_THAT(loadErrors("x:\n  y: 1\n  y: 2\n"), Contains("t.yml:3: x.y: duplicate key"));
    CHECK_THAT(loadErrors("a: 1\n---\nb: 2\n"),
               Contains("t.yml:3: (top): expected one YAML document, found 2"));
    CHECK_THAT(loadErrors("? [a, b]\n: 1\n"), Contains("expected a text key"));
    CHECK_THAT(loadErrors("a:\n  <<: 3\n"), Contains("a.<<: expected a map or a list of maps"));
    CHECK_THAT(loadErrors("a: &a [*a]\n"), Contains("too deep or too large"));
    // "Billion laughs": each level doubles the tree.
    std::string laughs = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 12; ++i) {
        const auto n = std::to_string(i), previous = "*l" + std::to_string(i - 1);
        laughs += "l" + n + ": &l" + n + " [" + previous + ", " + previous + ", " + previous +
                  ", " + previous + "]\n";
    }
    CHECK_THAT(loadErrors(laughs), Contains("too deep or too large"));
}

TEST_CASE("an empty file is a null tree", "[unit][config]") {
    auto root = load("# nothing here\n");
    CHECK(root.kind() == core::ConfigNode::Kind::null);
    CHECK(root.file() == "t.yml");
}

TEST_CASE("an unreadable file is reported", "[unit][config]") {
    TempDir dir;
    core::ConfigErrors errors;
    auto missing = (dir.path() / "absent.yml").string();
    auto root = loadYamlFile(missing, errors);
    CHECK_FALSE(root.has_value());
    CHECK(root.error() == make_error_code(ConfigErrc::unreadable));
    CHECK_THAT(errors.format(), Contains(missing + ": (top): cannot open the file"));
}

TEST_CASE("a directory gives its YAML files sorted by name", "[unit][config]") {
    TempDir dir;
    dir.write("20-b.yml", "id: b\n");
    dir.write("10-a.yaml", "id: a\n");
    dir.write("30-c.yml", "id: c\n");
    dir.write("README.md", "not yaml: [\n");
    dir.write(".#30-c.yml", "editor: lock\n");
    dir.write("sub/40-d.yml", "id: d\n");
    dir.write("25-bad.yml", "id: [\n");
    core::ConfigErrors errors;
    auto files = loadYamlDirectory(dir.path().string(), errors);
    REQUIRE(files.size() == 3);
    CHECK(files[0]["id"].scalar() == "a");
    CHECK(files[1]["id"].scalar() == "b");
    CHECK(files[2]["id"].scalar() == "c");
    CHECK(files[2].file() == (dir.path() / "30-c.yml").string());
    REQUIRE(errors.all().size() == 1);  // the broken file, and only it
    CHECK(errors.all()[0].file == (dir.path() / "25-bad.yml").string());

    core::ConfigErrors missing;
    CHECK(loadYamlDirectory((dir.path() / "nope").string(), missing).empty());
    CHECK_THAT(missing.format(), Contains("cannot list the folder"));
}

TEST_CASE("paths are resolved relative to the folder of the file", "[unit][config]") {
    auto node = core::ConfigNode::makeScalar("x", "/etc/sesame/sesame.yml", "a", 1);
    CHECK(resolvePath(node, "services") == "/etc/sesame/services");
    CHECK(resolvePath(node, "../var/tls/sesame.crt") == "/etc/var/tls/sesame.crt");
    CHECK(resolvePath(node, "/abs/file") == "/abs/file");
    CHECK(resolvePath(node, "") == "");
    auto relative = core::ConfigNode::makeScalar("x", "etc/sesame.yml", "a", 1);
    CHECK(resolvePath(relative, "demo/partners.yml") == "etc/demo/partners.yml");
    auto bare = core::ConfigNode::makeScalar("x", "sesame.yml", "a", 1);
    CHECK(resolvePath(bare, "services") == "services");
}
