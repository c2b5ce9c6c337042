#pragma once
// A private directory under $TMPDIR (or /tmp), removed with everything in it when the object dies.
// SESAME_KEEP_TEST_DIRS=1 keeps it, to read a server's logs after a failed run.
#include <filesystem>
#include <string_view>

namespace sesame::testing {

class TempDir {
  public:
    explicit TempDir(std::string_view prefix = "sesame-test");
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

// The project's source tree (scripts/, etc/): SESAME_SOURCE_DIR if set, else the one CMake built.
std::filesystem::path sourceDir();

// Writes a whole file (creating parent directories); throws HarnessError on failure.
void writeFile(const std::filesystem::path& file, std::string_view content);
std::string readFile(const std::filesystem::path& file);

}  // namespace sesame::testing
