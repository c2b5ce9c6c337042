#include "test/support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "test/support/harness_error.hpp"

#ifndef SESAME_SOURCE_DIR
#error "SESAME_SOURCE_DIR must be defined by test/support/CMakeLists.txt"
#endif

namespace sesame::testing {

TempDir::TempDir(std::string_view prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw HarnessError("cannot create a temporary directory from " + pattern);
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    const char* keep = std::getenv("SESAME_KEEP_TEST_DIRS");
    if (path_.empty() || (keep && std::string(keep) == "1")) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
    if (this != &other) {
        TempDir old(std::move(*this));
        path_ = std::move(other.path_);
        other.path_.clear();
    }
    return *this;
}

std::filesystem::path sourceDir() {
    const char* env = std::getenv("SESAME_SOURCE_DIR");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path(SESAME_SOURCE_DIR);
}

void writeFile(const std::filesystem::path& file, std::string_view content) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw HarnessError("cannot write " + file.string());
}

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw HarnessError("cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace sesame::testing
