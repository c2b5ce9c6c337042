// The main of a fuzz target when it is not built with libFuzzer (g++, the normal build): feeds
// every file of the corpus folders (or files) given as arguments to LLVMFuzzerTestOneInput, once
// each, in name order. CTest runs it on test/fuzz/corpus/<target>, so that every test run
// replays the whole corpus, including the inputs that once found a bug. A crash, an uncaught
// exception or a sanitizer report (in build-asan/) fails the test.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputsOf(const fs::path& argument) {
    std::vector<fs::path> out;
    if (fs::is_directory(argument)) {
        for (const auto& entry : fs::directory_iterator(argument))
            if (entry.is_regular_file()) out.push_back(entry.path());
        std::sort(out.begin(), out.end());
    } else {
        out.push_back(argument);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        for (const auto& path : inputsOf(argv[i])) {
            std::ifstream in(path, std::ios::binary);
            if (!in) {
                std::fprintf(stderr, "cannot read %s\n", path.c_str());
                return 1;
            }
            std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
            // A copy on the heap of exactly the input's size, as libFuzzer gives it, so that
            // AddressSanitizer sees a read past the end.
            std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
            LLVMFuzzerTestOneInput(data.data(), data.size());
            ++replayed;
        }
    }
    std::printf("replayed %zu inputs\n", replayed);
    // An empty corpus proves nothing: a target registered without seeds is a mistake.
    return replayed > 0 ? 0 : 1;
}
