// The dependency rules of docs/architecture.md, kept visible: every #include of the source tree
// is checked against what its component may use. A forbidden include fails here with the file
// and line, before it becomes a tangle.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {
struct Component {
    std::string folder;                   // "protocols/cas"
    std::vector<std::string> mayInclude;  // folders (prefixes) of ours it may include
    std::vector<std::string> forbidden;   // external headers it must not use (prefixes)
};

const std::vector<std::string> allOurs = {"gateway/", "protocols/", "connectors/", "policies/",
                                          "test/"};

// architecture.md, "Dependency rules".
const std::vector<Component> components = {
    {"gateway/core", {"gateway/core/"}, {"boost/beast", "hiredis", "ldap.h", "libxml", "yaml-cpp"}},
    {"policies",
     {"gateway/core/", "policies/"},
     {"boost/asio", "boost/beast", "hiredis", "ldap.h"}},
    {"gateway/config", {"gateway/core/", "gateway/config/"}, {"boost/beast", "hiredis"}},
    {"gateway/xml", {"gateway/core/", "gateway/xml/"}, {"boost/beast", "hiredis"}},
    {"gateway/jose",
     {"gateway/core/", "gateway/jose/"},
     {"boost/beast", "hiredis", "ldap.h", "libxml"}},
    {"gateway/session", {"gateway/core/", "gateway/session/"}, {"boost/beast", "ldap.h"}},
    {"gateway/portal", {"gateway/core/", "gateway/portal/"}, {"boost/beast", "hiredis", "ldap.h"}},
    {"gateway/http", {"gateway/core/", "gateway/http/"}, {"hiredis", "ldap.h"}},
    {"protocols/cas",
     {"gateway/core/", "gateway/session/session_store.hpp", "policies/", "gateway/xml/",
      "gateway/jose/", "protocols/cas/"},
     {"boost/beast", "hiredis", "ldap.h"}},
    {"protocols/saml",
     {"gateway/core/", "gateway/session/session_store.hpp", "policies/", "gateway/xml/",
      "protocols/saml/"},
     {"boost/beast", "hiredis", "ldap.h"}},
    {"protocols/oidc",
     {"gateway/core/", "gateway/session/session_store.hpp", "policies/", "gateway/jose/",
      "protocols/oidc/"},
     {"boost/beast", "hiredis", "ldap.h", "libxml", "cjose"}},
    {"connectors/mapping", {"gateway/core/", "connectors/mapping/"}, {"boost/beast", "hiredis"}},
    {"connectors/ldap",
     {"gateway/core/", "gateway/xml/", "gateway/jose/", "connectors/mapping/", "connectors/ldap/"},
     {"boost/beast", "hiredis"}},
    {"connectors/local",
     {"gateway/core/", "connectors/mapping/", "connectors/local/"},
     {"boost/beast", "hiredis", "ldap.h"}},
    {"gateway/app", {"gateway/", "protocols/", "connectors/", "policies/"}, {}},
};

bool startsWithAny(const std::string& s, const std::vector<std::string>& prefixes) {
    for (const auto& p : prefixes)
        if (s.rfind(p, 0) == 0) return true;
    return false;
}
}  // namespace

TEST_CASE("every component includes only what architecture.md allows", "[unit]") {
    const fs::path root = SESAME_SOURCE_DIR;
    const std::regex include(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
    std::vector<std::string> violations;
    std::size_t files = 0;
    for (const auto& component : components) {
        const fs::path dir = root / component.folder;
        REQUIRE(fs::is_directory(dir));
        for (const auto& entry : fs::recursive_directory_iterator(dir)) {
            const auto ext = entry.path().extension();
            if (ext != ".cpp" && ext != ".hpp" && ext != ".h") continue;
            ++files;
            std::ifstream in(entry.path());
            std::string line;
            int number = 0;
            while (std::getline(in, line)) {
                ++number;
                std::smatch m;
                if (!std::regex_search(line, m, include)) continue;
                const std::string header = m[1];
                const std::string where =
                    fs::relative(entry.path(), root).string() + ":" + std::to_string(number) + ": ";
                if (startsWithAny(header, allOurs) && !startsWithAny(header, component.mayInclude))
                    violations.push_back(where + component.folder + " may not include " + header);
                if (startsWithAny(header, component.forbidden))
                    violations.push_back(where + component.folder + " may not use " + header);
            }
        }
    }
    INFO("checked " << files << " files");
    CHECK(files > 50);
    for (const auto& v : violations) UNSCOPED_INFO(v);
    CHECK(violations.empty());
}
