#!/usr/bin/env bash
# libFuzzer targets of test/fuzz (test/fuzz/README.md, docs/security-testing.md).
#   scripts/fuzz.sh list                          # the targets, one a line
#   scripts/fuzz.sh run <target> <seconds> [--merge]
#       builds fuzz_<target> with clang, ASan and UBSan in build-fuzz/ and fuzzes it for that long
#       on a copy of test/fuzz/corpus/<target>; new inputs go to a scratch folder (printed), and
#       into the committed corpus only with --merge (minimised with libFuzzer's -merge=1).
#       Exits non-zero on a crash, a leak, a timeout or any sanitizer report; the input that
#       did it is kept in the scratch folder (and printed) to be added to the corpus with the fix.
#   scripts/fuzz.sh all <seconds>                 # run, target after target
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$root/test/fuzz
build=${SESAME_FUZZ_BUILD_DIR:-$root/build-fuzz}

targets() {
  sed -n 's/^sesame_fuzz_target(NAME \([a-z0-9_]*\).*/\1/p' "$fuzz_dir/CMakeLists.txt"
}

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

build_target() {
  local target=$1
  bash "$root/scripts/install-deps.sh" >/dev/null
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSESAME_FUZZ=ON >/dev/null
  cmake --build "$build" -j"${SESAME_BUILD_JOBS:-$(nproc)}" --target "fuzz_$target"
}

run_target() {
  local target=$1 seconds=$2 merge=${3:-}
  targets | grep -qx "$target" || { echo "unknown target '$target' (scripts/fuzz.sh list)" >&2; exit 2; }
  [[ $seconds =~ ^[0-9]+$ ]] || usage
  build_target "$target"
  local work
  work=$(mktemp -d "/tmp/sesame-fuzz-$target.XXXXXX")
  mkdir -p "$work/new" "$work/artifacts"
  cp -r "$fuzz_dir/corpus/$target" "$work/seed"
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -error_exitcode=77
    -timeout_exitcode=78 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  [ -f "$fuzz_dir/dict/$target.dict" ] && args+=(-dict="$fuzz_dir/dict/$target.dict")
  # Every report is fatal: ASan halts, LeakSanitizer runs at each input's end (libFuzzer's
  # -detect_leaks), UBSan does not recover (-fno-sanitize-recover=all at build time too).
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export LSAN_OPTIONS=suppressions=$fuzz_dir/lsan.supp:print_suppressions=0
  local status=0
  "$build/test/fuzz/fuzz_$target" "${args[@]}" "$work/new" "$work/seed" || status=$?
  echo "scratch folder: $work (new inputs in new/, failing inputs in artifacts/)"
  if [ "$status" -ne 0 ]; then
    ls "$work/artifacts" >&2 || true
    echo "fuzz_$target failed (exit $status): add the input of artifacts/ to test/fuzz/corpus/$target with the fix" >&2
    return "$status"
  fi
  if [ "$merge" = --merge ]; then
    "$build/test/fuzz/fuzz_$target" -merge=1 "$fuzz_dir/corpus/$target" "$work/new"
  fi
}

case ${1:-} in
  list) targets ;;
  run)
    [ $# -ge 3 ] || usage
    run_target "$2" "$3" "${4:-}" ;;
  all)
    [ $# -ge 2 ] || usage
    for t in $(targets); do run_target "$t" "$2"; done ;;
  *) usage ;;
esac
