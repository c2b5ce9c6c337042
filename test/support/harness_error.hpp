#pragma once
// The test harness reports failures as exceptions: a launcher that cannot start its server, or a
// wait that times out, ends the test with a message Catch2 prints (what was awaited, log tail).
// This is test code, never on Sesame's request path, so the "errors are values" rule does not
// apply.
#include <stdexcept>
#include <string>

namespace sesame::testing {

class HarnessError : public std::runtime_error {
  public:
    explicit HarnessError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace sesame::testing
