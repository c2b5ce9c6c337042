#!/usr/bin/env bash
# Builds Sesame and runs every test: unit tests, and the integration and interop tests against
# real servers started here on free loopback ports (redis-server, slapd; the tests start Sesame,
# Apache httpd + mod_auth_cas, the SAML service providers (Apache + mod_auth_mellon, shibd + Apache +
# mod_shib) and their own Redis where they need to stop it).
#   scripts/test.sh            # everything (what CI runs)
#   scripts/test.sh -L unit    # extra arguments go to ctest
#   scripts/test.sh -L fuzz    # replays the fuzzing corpus of test/fuzz (every run replays it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh

build=${SESAME_BUILD_DIR:-$root/build}
# SESAME_CMAKE_ARGS: extra configuration (scripts/sanitize.sh builds with the sanitizers).
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${SESAME_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"${SESAME_BUILD_JOBS:-$(nproc)}"

run=$(mktemp -d /tmp/sesame-test.XXXXXX)
cleanup() {
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  bash "$root/scripts/slapd.sh" stop "$run/slapd" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT

free_port() {  # perl-base is on every Debian, python3 is not
  perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen=>1,LocalAddr=>"127.0.0.1:0")->sockport'
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run" \
  >"$run/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  kill -0 "$redis_pid" 2>/dev/null || { cat "$run/redis.log"; exit 1; }
  sleep 0.1
done
export SESAME_TEST_REDIS=127.0.0.1:$redis_port

ldap_port=$(free_port)
bash "$root/scripts/slapd.sh" start "$run/slapd" "$ldap_port"
export SESAME_TEST_LDAP=ldap://127.0.0.1:$ldap_port

cd "$build"
ctest --output-on-failure --timeout 600 "$@"
