#!/usr/bin/env bash
# The whole test suite built with AddressSanitizer and UndefinedBehaviorSanitizer, run against the
# same real servers as scripts/test.sh (redis-server, slapd, Sesame processes, Apache httpd).
#   scripts/sanitize.sh            # build into build-asan/ and run every test
#   scripts/sanitize.sh -L unit    # extra arguments go to ctest
# Any sanitizer report fails the test that triggered it: UBSan does not recover, ASan halts, and
# LeakSanitizer reports leaks when a process exits (jemalloc is not linked in this build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SESAME_ASAN_BUILD_DIR:-$root/build-asan}
# clang: Debian's clang builds this tree with the sanitizers in a third of g++'s time.
export CC=${CC:-clang} CXX=${CXX:-clang++}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/test/fuzz/lsan.supp:print_suppressions=0}
SESAME_BUILD_DIR=$build SESAME_BUILD_JOBS=${SESAME_BUILD_JOBS:-2} SESAME_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DSESAME_SANITIZE=ON" \
  exec bash "$root/scripts/test.sh" "$@"
