#!/usr/bin/env bash
# The whole test suite built with AddressSanitizer and UndefinedBehaviorSanitizer, run against the
# same real servers as scripts/test.sh (redis-server, slapd, Sesame processes, Apache httpd).
#   scripts/sanitize.sh            # build into build-asan/ (clang) and run every test
#   scripts/sanitize.sh -L unit    # extra arguments go to ctest
# Fails on a failing test and on any sanitizer report of any process, a `sesame serve` started by
# an integration test included (its report would not reach the test's output): every report is
# written to a folder of this run and printed at the end. ASan halts at the first error, UBSan
# does not recover, LeakSanitizer checks each process at its exit (jemalloc is not linked here).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SESAME_ASAN_BUILD_DIR:-$root/build-asan}
reports=$(mktemp -d /tmp/sesame-sanitizer-reports.XXXXXX)
# clang: Debian's clang builds this tree with the sanitizers in a third of g++'s time.
export CC=${CC:-clang} CXX=${CXX:-clang++}
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:strict_string_checks=1:log_path=$reports/asan
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan
export LSAN_OPTIONS=suppressions=$root/test/fuzz/lsan.supp:print_suppressions=0
status=0
SESAME_BUILD_DIR=$build SESAME_BUILD_JOBS=${SESAME_BUILD_JOBS:-2} \
  SESAME_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DSESAME_SANITIZE=ON" \
  bash "$root/scripts/test.sh" "$@" || status=$?
if compgen -G "$reports/*" >/dev/null; then
  for report in "$reports"/*; do
    echo "==== $report"
    cat "$report"
  done
  echo "sanitizer reports above (kept in $reports)" >&2
  exit 1
fi
rm -rf "$reports"
[ "$status" -eq 0 ] && echo "sanitizer build: every test passed, no sanitizer report"
exit "$status"
