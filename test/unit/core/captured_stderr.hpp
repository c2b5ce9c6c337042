#pragma once
// What a test body writes to stderr (fd 2), where Sesame's log lines go: for tests that check a
// line was logged.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace sesame::test {

// Runs `body` with stderr going to a temporary file, and returns what was written.
template <class Body>
std::string capturedStderr(Body body) {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    int saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file), STDERR_FILENO);
    body();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string out;
    std::rewind(file);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;)
        out.append(buffer, n);
    std::fclose(file);
    return out;
}

}  // namespace sesame::test
