#!/usr/bin/env bash
# The Sesame benchmark (issue 2, "Performance"): a benchmark, not a test, so nothing here
# asserts a timing. In one run, on free loopback ports, with its own redis-server, the demo slapd,
# Sesame and the floor server, it measures with wrk at concurrency 8 and 64:
#   floor      floor_server: parse an HTTP/1.1 request, one Redis GETDEL, answer
#   validate   Sesame /cas/serviceValidate, each request a different valid pre-issued ticket
#   pair       Sesame /cas/login?service=... with a session cookie (302 + ticket), then
#              /cas/serviceValidate of that ticket
#   floor-tls  floor_server over TLS (Sesame's TLS settings, keep-alive)
#   tls pair   the pair, Sesame over TLS as the demo runs, against the TLS floor
#   tls        as validate, Sesame over TLS with keep-alive, against the TLS floor
#   ha pair    the pair through HAProxy (etc/haproxy/sesame.cfg, TLS at HAProxy) in front of two
#              Sesame nodes in plain HTTP (one worker thread each), against the TLS floor
# plus Sesame's peak RSS (VmHWM) and its time from exec to a 200 on /readyz. Prints a table and,
# with --write-docs, puts it in the "Results" section of docs/performance.md.
#
#   test/bench/run.sh [--duration SECONDS] [--rounds N] [--write-docs]
#   test/bench/run.sh --storm RATE [--duration SECONDS]
#   test/bench/run.sh --saml [--duration SECONDS] [--rounds N] [--variant plain|encrypted]
#   test/bench/run.sh --oidc [--duration SECONDS] [--rounds N]
#   test/bench/run.sh --saml --callgrind N [--variant plain|encrypted]
#
# --storm: the login storm instead (issue 7): RATE password logins per second (LDAP binds
# against the demo slapd, the demo's queue settings) offered open-loop by storm_client for
# SECONDS, while people with a session ask for tickets; prints logins accepted per second,
# p50/p99 of accepted logins, the share shed, and p99 of ticket issuance during the storm.
# `--storm 1000 --duration 60` is the issue's figure; `--storm 50 --duration 5` checks it works.
#
# --saml: the SAML SSO benchmark instead (issue 8): Sesame over TLS as the demo runs, with the
# mod_auth_mellon SP of test/data/saml as a service; round trips per second (GET /saml/sso with
# a fresh signed AuthnRequest and the session cookie -> 200 + auto-post form with a signed
# SAMLResponse) at c=8 and 64, against `openssl speed -multi 2 rsa2048` signs/s measured just
# before each run (the floor); N rounds (default 1) of floor, sign server (headline SP only) and
# Sesame at each concurrency. The sign server is floor_server --sign-key: TLS as Sesame, the
# session read, one RSA-2048 signature and a page as large as Sesame's, with the same requests
# and wrk script: the most round trips a SAML IdP could make on this machine.
# --callgrind N: no wrk run; Sesame under valgrind's callgrind, N headline round trips in a row
# (curl, one keep-alive TLS connection) after 20: prints instructions per round trip, a number
# that does not depend on what else runs on the machine (profiles in the work folder).
# Two SPs, both from the fixture's metadata: "plain", the issue's headline (unsigned
# AuthnRequests, a signed and unencrypted Response: the registry's default `sign: assertion`),
# then "encrypted" (the fixture as it is: signed AuthnRequests, RSA-3072, and assertions
# encrypted for its key); --variant runs only one.
#
# --oidc: the OpenID Connect benchmark instead (issue 9): Sesame over TLS as the demo runs; pairs
# per second of "GET /oidc/authorize with the session cookie (303 + code), then POST /oidc/token
# (client_secret_basic, code -> tokens)" at c=8 and 64 for three bench clients: RS256 ID tokens,
# ES256 ID tokens (both with opaque access tokens and no refresh token: one signature per pair),
# and the demo-rp's settings (RS256, JWT access token, refresh token: two RSA signatures and one
# more Redis write per pair). In the same run, at each concurrency: the CAS pair (login +
# serviceValidate) on the same Sesame, and `openssl speed -multi 2` rsa2048 and ecdsap256 just
# before the runs they are the floor of. N rounds (default 1).
#
# The floor and serviceValidate are measured in N rounds (default 5), floor then Sesame in each,
# so that both see the same moments of this shared machine; the table shows the round with the
# median ratio and the note under it every round's ratio.
#
# Environment: SESAME_BENCH_BUILD_DIR (default build-bench/); SESAME_BENCH_KEEP=1 keeps the
# work folder (logs, configuration) for a look afterwards; SESAME_BENCH_PERF="<perf record
# options>" (e.g. "--call-graph dwarf", or " " for a flat profile) profiles the floor and Sesame
# during their c=64 ticket runs, into <work folder>/perf-{floor,validate}.txt (with --saml:
# perf-saml-<variant>-<c>.txt; with --oidc: Sesame in each client's c=64 run,
# perf-<client>-64.txt), with SESAME_BENCH_KEEP=1; the profiler costs CPU, so the figures of
# that run are lower.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

duration=10
warmup=2
rounds=5
write_docs=0
storm_rate=0
saml=0
oidc=0
saml_variants="plain encrypted"
callgrind=0
sesame_wrapper=() sign_wrapper=()  # a command Sesame / the sign server runs under (--callgrind)
command_line="test/bench/run.sh $*"
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --write-docs) write_docs=1; shift ;;
    --storm) storm_rate=$2; shift 2 ;;
    --saml) saml=1; shift ;;
    --oidc) oidc=1; shift ;;
    --variant) saml_variants=$2; shift 2 ;;
    --callgrind) callgrind=$2; saml=1; shift 2 ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
# SAML rounds are dear (each needs thousands of AuthnRequests signed with a 3072-bit key): one
# unless asked.
[ "$saml" = 1 ] || [ "$oidc" = 1 ] && [[ $command_line != *--rounds* ]] && rounds=1
wrk_threads=2  # one per core: wrk, Redis and the server under test share this machine's cores
server_threads=2
# The CAS service: http://127.0.0.1:9/bench/ (the demo registry accepts any loopback URL). It is
# never contacted: issuing and validating a ticket do not call the service.
service_encoded=http%3A%2F%2F127.0.0.1%3A9%2Fbench%2F
success='<cas:authenticationSuccess>'

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }
for tool in wrk redis-server redis-cli curl openssl $([ "$saml" = 1 ] && echo xmlsec1); do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done

build=${SESAME_BENCH_BUILD_DIR:-$root/build-bench}
say "building (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target sesame floor_server storm_client \
  saml_requests >/dev/null
sesame_bin=$build/gateway/app/sesame
floor_bin=$build/test/bench/floor_server

work=$(mktemp -d /tmp/sesame-bench.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash "$root/scripts/slapd.sh" stop "$work/slapd" >/dev/null 2>&1 || true
  if [ "${SESAME_BENCH_KEEP:-0}" = 1 ]; then say "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {  # perl-base is on every Debian, python3 is not
  perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen=>1,LocalAddr=>"127.0.0.1:0")->sockport'
}
now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }

# One GET /readyz over bash's /dev/tcp: no process started, so polling can be tight.
ready_once() {  # ready_once <port>
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  local status_line=""
  read -r -t 1 status_line <&3 || true
  exec 3<&-
  [[ $status_line == *" 200 "* ]]
}
mkfifo "$work/nap"
exec {nap}<>"$work/nap"  # never written: `read -t` on it is a sleep without a process
# wait_ready <port> <pid> <seconds>: polls every 0.2 ms; fails if the process ends first.
wait_ready() {
  local deadline=$(($(now_us) + $3 * 1000000))
  until ready_once "$1" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || return 1
    [ "$(now_us)" -lt "$deadline" ] || return 1
    read -r -t 0.0002 -u "$nap" _ || true
  done
}

# ---- Redis, slapd, certificate ----
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
pids+=("$!")
redis_pid=$!
for _ in $(seq 1 100); do
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  kill -0 "$redis_pid" 2>/dev/null || die "redis-server did not start: $(cat "$work/redis.log")"
  sleep 0.05
done
rcli() { redis-cli -p "$redis_port" "$@"; }

ldap_port=$(free_port)
bash scripts/slapd.sh start "$work/slapd" "$ldap_port" >/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/sesame.key" -out "$work/sesame.crt" >/dev/null 2>&1

# ---- Sesame configuration: etc/sesame.yml rewritten as test/integration/sesame_instance.cpp
# does (every edit must find its text, so a changed demo file is noticed, not silently ignored).
config_source=etc/sesame.yml
replace() {  # replace <from> <to>, on $config (the text of $config_source)
  [[ $config == *"$1"* ]] || die "$config_source no longer contains '$1'"
  config=${config//"$1"/"$2"}
}
write_config() {  # write_config <plain|tls|node|saml|oidc> <port> <file>
  local mode=$1 port=$2
  config_source=etc/sesame.yml
  config=$(cat etc/sesame.yml)
  replace "127.0.0.1:8443" "127.0.0.1:$port"
  replace "127.0.0.1:6380" "127.0.0.1:$redis_port"
  replace "ldap://127.0.0.1:3389" "ldap://127.0.0.1:$ldap_port"
  replace "../var/demo/tls/sesame.crt" "$work/sesame.crt"
  replace "../var/demo/tls/sesame.key" "$work/sesame.key"
  replace " demo/" " $root/etc/demo/"
  if [ "$mode" = saml ] || [ "$mode" = oidc ]; then
    replace "services_dir: services" "services_dir: $work/services"
  else
    replace "services_dir: services" "services_dir: $root/etc/services"
  fi
  replace "key_prefix: \"sesame:\"" "key_prefix: \"bench-$mode:\""
  replace "threads: 2" "threads: $server_threads"
  # Pre-issued tickets are written a few seconds before they are validated.
  replace "service_ticket_lifetime: 30s" "service_ticket_lifetime: 5m"
  if [ "$mode" = node ]; then
    # A node of the reference deployment: plain HTTP behind HAProxy, which ends TLS on the
    # public URL and is the one trusted proxy; the nodes share their key prefix.
    replace "public_url: https://127.0.0.1:$port" "public_url: https://127.0.0.1:$haproxy_port"
    replace "trusted_proxies: []" "trusted_proxies: [127.0.0.1]"
    replace "key_prefix: \"bench-node:\"" "key_prefix: \"bench-ha:\""
    replace "threads: $server_threads" "threads: $node_threads"
  fi
  if [ "$storm_rate" != 0 ]; then
    # The storm comes from one address, for one demo account logged in thousands of times at
    # once: the per-account and per-address counters (which count attempts in flight) would
    # measure throttling, not the queue.
    replace "per_account: { attempts: 5," "per_account: { attempts: 1000000,"
    replace "networks: []" "networks: [{ range: 127.0.0.0/8, per_address: { attempts: 10000000 }, login_starts_per_address: { attempts: 1000000, window: 1m } }]"
  fi
  if [ "$mode" = plain ]; then
    # Behind-a-proxy mode: no server.tls, plain HTTP (as the floor).
    replace "public_url: https://127.0.0.1:$port" "public_url: http://127.0.0.1:$port"
    # A __Host- cookie needs an https public URL (check-config refuses it otherwise).
    replace "cookie_name: __Host-SESAME" "cookie_name: SESAME"
  fi
  if [ "$mode" != tls ] && [ "$mode" != saml ] && [ "$mode" != oidc ]; then
    config=$(printf '%s\n' "$config" | awk '
      /^[^ #]/ { section = $1 }
      section == "server:" && /^  tls:/ { drop = 1; next }
      drop && /^    / { next }
      { drop = 0; print }')
  fi
  printf '%s\n' "$config" >"$3"
  # The demo's secrets: check-config wants them closed to others, and a clone has them 0644.
  chmod 600 "$root/etc/demo/ldap/sesame.password" "$root/etc/demo/partners.yml"
  "$sesame_bin" check-config -c "$3" >/dev/null 2>&1 ||
    die "the benchmark configuration is refused: $("$sesame_bin" check-config -c "$3" 2>&1)"
}

# start_sesame <plain|tls|node|saml|oidc>: sets sesame_pid, sesame_base, ready_ms, startup_ms
start_sesame() {
  local mode=$1 port scheme=http
  [ "$mode" = tls ] || [ "$mode" = saml ] || [ "$mode" = oidc ] && scheme=https
  port=$(free_port)
  write_config "$mode" "$port" "$work/sesame-$mode.yml"
  local t0
  t0=$(now_us)
  "${sesame_wrapper[@]}" "$sesame_bin" serve -c "$work/sesame-$mode.yml" 2>"$work/sesame-$mode.log" &
  sesame_pid=$!
  pids+=("$sesame_pid")
  if [ "$scheme" = https ]; then
    # Polled with curl: coarser (the plain instance gives the figure).
    wait_https "https://127.0.0.1:$port/readyz" "$sesame_pid" "Sesame ($mode)" \
      $((${#sesame_wrapper[@]} > 0 ? 120 : 20)) \
      "$work/sesame-$mode.log"
  else
    wait_ready "$port" "$sesame_pid" 20 ||
      die "Sesame ($mode) did not become ready: $(tail -5 "$work/sesame-$mode.log")"
  fi
  ready_ms=$(awk -v us=$(($(now_us) - t0)) 'BEGIN { printf "%.1f", us / 1000 }')
  startup_ms=$(grep -m1 '"component":"sesame","event":"listening"' "$work/sesame-$mode.log" |
    sed -n 's/.*"startup_ms":"\([0-9]*\.\{0,1\}[0-9]\{0,1\}\).*/\1/p')
  sesame_base=$scheme://127.0.0.1:$port
  say "Sesame ($mode) ready in $ready_ms ms on $sesame_base (logged startup_ms=$startup_ms)"
}

peak_rss_mb() {  # VmHWM of a process, in MB
  awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# wait_https <url> <pid> <what> <seconds> <log>: polls with curl (/dev/tcp speaks no TLS) until
# the URL answers 2xx; dies with the log's tail when the process ends first or the time is up.
wait_https() {
  local deadline=$(($(now_us) + $4 * 1000000))
  until curl -sfk -o /dev/null "$1"; do
    kill -0 "$2" 2>/dev/null && [ "$(now_us)" -lt "$deadline" ] ||
      die "$3 did not become ready: $(tail -5 "$5")"
  done
}

# ---- Log in once through the portal form, as the demo teacher: the session cookie ----
header() { grep -i "^$1:" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
# cookie_of <name>: "name=value" of a Set-Cookie, with or without the __Host- prefix (the plain
# instance's public URL is http, where the prefix is refused).
cookie_of() { grep -o "[Ss]et-[Cc]ookie: \(__Host-\)\{0,1\}$1=[^;]*" | head -1 | sed 's/^[^:]*: *//'; }
log_in() {  # log_in <base>: prints "__Host-SESAME=..." (or "SESAME=..." over http)
  local base=$1 headers flow_cookie location page
  headers=$(curl -sk -D - -o /dev/null "$base/cas/login?service=$service_encoded")
  flow_cookie=$(printf '%s' "$headers" | cookie_of SESAME_FLOW)
  location=$(printf '%s' "$headers" | header location)
  [ -n "$flow_cookie" ] && [ -n "$location" ] || die "no login redirect from $base/cas/login"
  page=$(curl -sk -b "$flow_cookie" "$base$location&choice=academie")
  field() { printf '%s' "$page" | grep -o "name=\"$1\" value=\"[^\"]*\"" | sed 's/.*value="//; s/"$//'; }
  headers=$(curl -sk -D - -o /dev/null -b "$flow_cookie" --data-urlencode "flow=$(field flow)" \
    --data-urlencode "choice=$(field choice)" --data-urlencode "csrf=$(field csrf)" \
    --data-urlencode login=prof.herriot --data-urlencode password=demo "$base/login")
  printf '%s' "$headers" | cookie_of SESAME | grep . || die "login as prof.herriot failed at $base"
}
issue_ticket() {  # issue_ticket <base> <cookie>: one real ST- through /cas/login
  curl -sk -D - -o /dev/null -H "Cookie: $2" "$1/cas/login?service=$service_encoded" |
    header location | sed -n 's/.*[?&]ticket=\(ST-[A-Za-z0-9]*\).*/\1/p' | grep . ||
    die "no ticket from $1/cas/login"
}

# prepare_tickets <count> <key prefix> <value file> <slice prefix>: <count> fresh ids in the
# ticket format (ST- + 43 of [A-Za-z0-9], protocols/cas/ticket.cpp), each stored as
# "<key prefix>st:<id>" = the value, with SET EX 3600 through redis-cli --pipe, and split in
# one slice file per wrk thread.
prepare_tickets() {
  local count=$1 prefix=$2 value=$3 slices=$4
  head -c $((count * 200)) /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' | fold -w 43 |
    awk -v n="$count" 'length($0) == 43 { print "ST-" $0; if (++k == n) exit }' >"$slices.all" ||
    true  # awk stops reading at n: the writers before it end on SIGPIPE (pipefail)
  [ "$(wc -l <"$slices.all")" -eq "$count" ] || die "could not make $count ticket ids"
  LC_ALL=C awk -v prefix="$prefix" -v valuefile="$value" '
    BEGIN { getline v < valuefile }
    { key = prefix "st:" $0
      printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$4\r\n3600\r\n",
             length(key), key, length(v), v }' "$slices.all" |
    rcli --pipe >"$work/pipe.log" 2>&1 || die "redis-cli --pipe failed: $(cat "$work/pipe.log")"
  awk -v per=$(((count + wrk_threads - 1) / wrk_threads)) -v out="$slices" \
    '{ print > (out "." int((NR - 1) / per)) }' "$slices.all"
  rm -f "$slices.all"
}

# forget_tickets <key prefix> <slice prefix>: UNLINKs the tickets a run left, 500 a command, so
# that Redis does not grow from run to run.
forget_tickets() {
  local i
  for ((i = 0; i < wrk_threads; i++)); do
    [ -f "$2.$i" ] || continue
    LC_ALL=C awk -v prefix="$1st:" '
      function flush() { if (n == 0) return; printf "*%d\r\n$6\r\nUNLINK\r\n%s", n + 1, keys
                         n = 0; keys = "" }
      { key = prefix $0; keys = keys sprintf("$%d\r\n%s\r\n", length(key), key)
        if (++n == 500) flush() }
      END { flush() }' "$2.$i" | rcli --pipe >"$work/pipe.log" 2>&1 ||
      die "redis-cli --pipe failed: $(cat "$work/pipe.log")"
    rm -f "$2.$i"
  done
}

# The JSON of one real service ticket, issued by Sesame and read (not taken) from Redis.
ticket_value() {  # ticket_value <base> <cookie> <key prefix> <file>
  local ticket
  ticket=$(issue_ticket "$1" "$2")
  rcli --raw GET "$3st:$ticket" | head -1 >"$4"
  grep -q '"service"' "$4" || die "ticket $3st:... not found in Redis (key schema changed?)"
}

# run_wrk <connections> <seconds> <url> <script> <args...>: sets r_* from BENCH_RESULT
# The CPU time of the server under test ($server_pid) and of Redis during the run is measured
# too: per request it is the figure that other load on the machine disturbs least.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
clock_ticks=$(getconf CLK_TCK)
# children_cpu_us <variable>: user + system time of this shell's reaped children (wrk), from
# `times`, which must run in this shell itself (a subshell starts with no children's time).
children_cpu_us() {
  times >"$work/times"
  printf -v "$1" '%s' "$(tail -1 "$work/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) {
    split($i, p, /[ms]/); n += p[1] * 60 + p[2] } printf "%d", n * 1e6 }')"
}
run_wrk() {
  local c=$1 d=$2 url=$3 script=$4 out server0 redis0
  shift 4
  server0=$(cpu_ticks "$server_pid") redis0=$(cpu_ticks "$redis_pid")
  local wrk0 wrk1
  children_cpu_us wrk0
  out=$(wrk -t "$wrk_threads" -c "$c" -d "${d}s" --timeout 5s -s "$script" "$url" -- "$@" 2>&1) ||
    die "wrk failed: $out"
  local line
  line=$(printf '%s\n' "$out" | grep '^BENCH_RESULT') || die "no result from wrk: $out"
  local r_requests=0 r_duration_us=1 r_ok=0 r_errors=0 r_socket_errors=0  # set from the line:
  for kv in ${line#BENCH_RESULT }; do eval "r_${kv%%=*}=${kv#*=}"; done
  r_total=$r_requests  # global: the locals above end with this function
  r_rps=$(awk -v n="$r_requests" -v us="$r_duration_us" 'BEGIN { printf "%.0f", n * 1e6 / us }')
  r_ops=$(awk -v n="$r_ok" -v us="$r_duration_us" 'BEGIN { printf "%.0f", n * 1e6 / us }')
  r_all_errors=$((r_errors + r_socket_errors))
  local per_request='BEGIN { printf "%.0f", t * 1e6 / hz / (n > 0 ? n : 1) }'
  local server1 redis1
  server1=$(cpu_ticks "$server_pid") redis1=$(cpu_ticks "$redis_pid")
  r_server_cpu=$(awk -v t=$((server1 - server0)) -v hz="$clock_ticks" -v n="$r_requests" \
    "$per_request")
  # The totals too, in µs, for figures per pair (run.sh --oidc).
  r_server_us=$(awk -v t=$((server1 - server0)) -v hz="$clock_ticks" 'BEGIN { printf "%.0f", t * 1e6 / hz }')
  r_redis_us=$(awk -v t=$((redis1 - redis0)) -v hz="$clock_ticks" 'BEGIN { printf "%.0f", t * 1e6 / hz }')
  children_cpu_us wrk1
  r_wrk_us=$((wrk1 - wrk0))
  r_wrk_cpu=$(awk -v t=$((wrk1 - wrk0)) -v n="$r_requests" \
    'BEGIN { printf "%.0f", t / (n > 0 ? n : 1) }')
  r_redis_cpu=$(awk -v t=$((redis1 - redis0)) -v hz="$clock_ticks" -v n="$r_requests" \
    "$per_request")
}

rows=()
notes=()
# record <scenario> <concurrency> <ratio base rps or ""> : appends a row from r_* (make_row
# only sets $row and $ratio)
record() {
  make_row "$@"
  rows+=("$row")
}
make_row() {
  local errors=$r_all_errors
  ratio="—"
  [ "${r_exhausted:-0}" -gt 0 ] && errors="$errors ($r_exhausted ran out of tickets)"
  [ -n "$3" ] && ratio=$(awk -v a="$r_rps" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
  row=$(printf '| %-24s | %3s | %8s | %8s | %6.2f | %6.2f | %5s | %6s | %6s | %5s | %5s |' \
    "$1" "$2" "$r_rps" "$r_ops" "$(awk -v u="$r_p50_us" 'BEGIN { print u / 1000 }')" \
    "$(awk -v u="$r_p99_us" 'BEGIN { print u / 1000 }')" "$ratio" "$errors" \
    "$r_server_cpu" "$r_redis_cpu" "$r_wrk_cpu")
  say "$1 c=$2: $r_rps req/s, $r_ops ok/s, p50 ${r_p50_us}us p99 ${r_p99_us}us, ratio $ratio," \
    "errors $r_all_errors (exhausted $r_exhausted), CPU/request: server ${r_server_cpu}us" \
    "redis ${r_redis_cpu}us wrk ${r_wrk_cpu}us"
}

# measure_tickets <name> <c> <url> <path before ticket> <key prefix> <value file>
# A short warm-up on a first batch estimates the rate; the measured run gets 1.5x that many
# tickets (plus a margin), so that no thread runs out (any that does is counted as errors).
measure_tickets() {
  local name=$1 c=$2 url=$3 path=$4 prefix=$5 value=$6 need
  prepare_tickets 60000 "$prefix" "$value" "$work/tickets"
  run_wrk "$c" "$warmup" "$url" test/bench/validate.lua "$work/tickets" "$path" "$success"
  forget_tickets "$prefix" "$work/tickets"
  # Twice the warm-up rate (other load on the machine may have slowed the warm-up), and at
  # least the floor's rate for Sesame.
  need=$(awk -v w="$r_rps" -v f="${floor_at[$c]:-0}" -v d="$duration" \
    'BEGIN { r = 2 * w; if (f > r) r = f; printf "%d", r * d + 20000 }')
  prepare_tickets "$need" "$prefix" "$value" "$work/tickets"
  local perf_pid=""
  if [ -n "${SESAME_BENCH_PERF:-}" ] && [ "$name" != tls ] && [ "$c" = 64 ]; then
    # A CPU profile of the server during this run (perf, from Debian's linux-perf).
    perf record -F 499 $SESAME_BENCH_PERF -p "$server_pid" -o "$work/perf-$name.data" \
      >"$work/perf-$name.log" 2>&1 &
    perf_pid=$!
  fi
  run_wrk "$c" "$duration" "$url" test/bench/validate.lua "$work/tickets" "$path" "$success"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" && wait "$perf_pid" || true
    perf report -i "$work/perf-$name.data" --stdio --children --percent-limit 0.5 -g none \
      >"$work/perf-$name.txt" 2>/dev/null || true
    say "profile of $name at c=64: $work/perf-$name.txt"
  fi
  forget_tickets "$prefix" "$work/tickets"
}

# median_round <ratio...>: the index of the round whose ratio is the median.
median_round() {
  local i ratios=("$@")
  for i in "${!ratios[@]}"; do echo "${ratios[$i]} $i"; done | sort -n |
    awk -v n="${#ratios[@]}" 'NR == int((n + 1) / 2) { print $2 }'
}

# ---- the runs ----
if [ "$storm_rate" != 0 ]; then
  start_sesame plain
  storm_cookie=$(log_in "$sesame_base")
  say "storm: $storm_rate logins/s for $duration s against $sesame_base"
  "$build/test/bench/storm_client" "${sesame_base##*:}" "$storm_rate" "$duration" \
    "$storm_cookie" "$service_encoded"
  grep -o 'sesame_password_queue[^ ]*{directory="academie"[^ ]* [0-9.e+-]*\|sesame_logins_shed_total{directory="academie"} [0-9.e+-]*' \
    <(curl -s "$sesame_base/metrics") | grep -v '_bucket' || true
  say "peak RSS of Sesame: $(peak_rss_mb "$sesame_pid") MB"
  exit 0
fi
# ---- SAML SSO (issue 8): Sesame over TLS as the demo runs, the mod_auth_mellon fixture SP ----
saml_key=$root/test/data/saml/mellon-sp.key
saml_requests_bin=$build/test/bench/saml_requests
# use_saml_variant <plain|encrypted>: the SP the next requests come from.
#   encrypted  the fixture as it is (entityID .../mellon/metadata): AuthnRequestsSigned="true"
#              (each request signed with its 3072-bit key) and an encryption key (each assertion
#              encrypted: AES-GCM, the key wrapped with RSA-OAEP)
#   plain      the same metadata with AuthnRequestsSigned="false", without the encryption
#              KeyDescriptor, under .../plain/: unsigned requests, a signed unencrypted Response
use_saml_variant() {
  saml_variant=$1
  case $1 in
    encrypted) saml_path=mellon saml_signed=1 ;;
    plain) saml_path=plain saml_signed=0 ;;
    *) die "unknown SAML variant $1 (plain or encrypted)" ;;
  esac
  saml_issuer=https://mellon.sp.example.org/$saml_path/metadata
  saml_acs=https://mellon.sp.example.org/$saml_path/postResponse
}
# The benchmark's own registry: the demo's CAS catch-all (the portal login that opens the session
# starts from a CAS service) and the demo's SAML service, with the fixture's metadata and its
# "plain" copy as its SPs (the demo's service takes loopback entityIDs only, the fixture's is
# mellon.sp.example.org).
write_saml_services() {
  mkdir -p "$work/services"
  cp etc/services/demo-loopback.yml "$work/services/"
  local fixture=$root/test/data/saml/mellon-sp-metadata.xml plain=$work/plain-sp-metadata.xml
  perl -0pe 's{\s*<KeyDescriptor use="encryption">.*?</KeyDescriptor>}{}s or die "no encryption key\n";
    s{AuthnRequestsSigned="true"}{AuthnRequestsSigned="false"} or die "no AuthnRequestsSigned\n";
    s{/mellon/}{/plain/}g or die "no /mellon/\n"' "$fixture" >"$plain" ||
    die "$fixture no longer has what the plain SP removes"
  config_source=etc/services/demo-saml.yml
  config=$(cat etc/services/demo-saml.yml)
  replace "id: demo-saml" "id: bench-saml"
  replace "url_pattern: '^https?://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/.*)?\$'" \
    "url_pattern: '^https://mellon\.sp\.example\.org/(mellon|plain)/metadata\$'"
  replace "directory: ../demo/saml-sp" "files: [$fixture, $plain]"
  printf '%s\n' "$config" >"$work/services/bench-saml.yml"
}
# saml_requests <count> <file>: that many AuthnRequests (Redirect-binding queries) of the current
# variant's SP, fresh IDs, signed when its metadata asks for it.
saml_requests() {
  local signing=()
  [ "$saml_signed" = 1 ] && signing=("$saml_key" "$root/test/data/saml/mellon-sp.crt")
  "$saml_requests_bin" "$1" "$2" "$saml_issuer" "$saml_base/saml/sso" "$saml_acs" "${signing[@]}" ||
    die "saml_requests failed"
}
# split_slices <file> <slice prefix>: one slice file per wrk thread, in turn.
split_slices() {
  local i
  for ((i = 0; i < wrk_threads; i++)); do : >"$2.$i"; done
  awk -v out="$2" -v n="$wrk_threads" '{ print > (out "." ((NR - 1) % n)) }' "$1"
}
form_field() {  # form_field <name> < page: the value of a hidden input of an auto-post form
  grep -o "name=\"$1\" value=\"[^\"]*\"" | head -1 | sed 's/.*value="//; s/"$//'
}
# A few round trips checked whole, once per variant: 200, the form posts to the SP's ACS with
# its RelayState untouched, the Response is a Success for that request, its assertion is
# encrypted (encrypted: and decrypts with the SP's key) or not (plain), and its signature
# verifies with xmlsec1 and Sesame's IdP certificate.
saml_check_responses() {
  local n=0 query page value relay id
  saml_requests 3 "$work/check.txt"
  while read -r query; do
    page=$(curl -sk -w '\nstatus=%{http_code}' -H "Cookie: $saml_cookie" "$saml_base/saml/sso?$query")
    [[ $page == *"status=200" ]] || die "round trip $n: not a 200: $(printf '%s' "$page" | tail -3)"
    [[ $page == *"action=\"$saml_acs\""* ]] || die "round trip $n: the form does not post to $saml_acs"
    relay=$(printf '%s' "$page" | form_field RelayState)
    [ "$relay" = "https://mellon.sp.example.org/page/$n" ] || die "round trip $n: RelayState '$relay'"
    value=$(printf '%s' "$page" | form_field SAMLResponse)
    printf '%s' "$value" | base64 -d >"$work/response-$n.xml" || die "round trip $n: not base64"
    # The request's ID, from its query: URL-decode, base64-decode, raw inflate.
    id=$(printf '%s' "$query" | sed 's/^SAMLRequest=\([^&]*\).*/\1/' | perl -MMIME::Base64 \
      -MCompress::Zlib -ne 's/%([0-9A-Fa-f]{2})/chr(hex($1))/ge; my $i = inflateInit(-WindowBits => -15);
        my ($x) = $i->inflate(decode_base64($_)); print $1 if $x =~ /\bID="([^"]+)"/')
    [ -n "$id" ] || die "round trip $n: no ID in the AuthnRequest sent"
    grep -q "InResponseTo=\"$id\"" "$work/response-$n.xml" || die "round trip $n: InResponseTo is not $id"
    grep -q 'StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"' "$work/response-$n.xml" ||
      die "round trip $n: not a Success: $(cat "$work/response-$n.xml")"
    if [ "$saml_variant" = encrypted ]; then
      xmlsec1 --decrypt --privkey-pem "$saml_key" "$work/response-$n.xml" >"$work/decrypted-$n.xml" \
        2>"$work/xmlsec1.log" || die "round trip $n: xmlsec1 --decrypt failed: $(tail -3 "$work/xmlsec1.log")"
    else
      grep -q 'EncryptedAssertion' "$work/response-$n.xml" && die "round trip $n: the assertion is encrypted"
      cp "$work/response-$n.xml" "$work/decrypted-$n.xml"
    fi
    xmlsec1 --verify --pubkey-cert-pem "$work/saml/idp-signing.crt" \
      --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion "$work/decrypted-$n.xml" \
      >"$work/xmlsec1.log" 2>&1 || die "round trip $n: xmlsec1 --verify failed: $(tail -3 "$work/xmlsec1.log")"
    n=$((n + 1))
  done <"$work/check.txt"
  # The last page, for the sign server to answer (as many bytes for wrk to read).
  printf '%s' "${page%$'\n'status=200}" >"$work/page-$saml_variant.html"
  say "$saml_variant: 3 round trips checked: Success, InResponseTo, RelayState, ACS;" \
    "$([ "$saml_variant" = encrypted ] && echo "decrypted and ")verified by xmlsec1"
}
# The floor: RSA-2048 signs per second on every core (`openssl speed -multi`), as Sesame signs
# each assertion with its RSA-2048 IdP key; `signing_floor ecdsap256`: ECDSA P-256 signs (ES256).
signing_floor() {
  local algorithm=${1:-rsa2048} line='^rsa 2048 bits'
  [ "$algorithm" = ecdsap256 ] && line='ecdsa \(nistp256\)'
  openssl speed -multi "$(nproc)" -seconds "$duration" "$algorithm" 2>/dev/null |
    awk -v line="$line" '$0 ~ line { print $(NF - 1) }' | grep . || die "no figure from openssl speed"
}

# ---- the sign server (run.sh --saml): floor_server --sign-key, the least any SAML IdP must do
# per round trip (TLS as Sesame, the session read, one RSA-2048 signature, a page as large as
# Sesame's), measured with the same requests, script and concurrency as Sesame.
# The canonical SignedInfo of the headline assertion (exclusive c14n: ds:SignedInfo with its
# xmlns:ds, CanonicalizationMethod, SignatureMethod, one Reference with two Transforms and the
# SHA-256 DigestValue) is 734 bytes: what Sesame's RSA signature is computed over.
signed_info_bytes=734
start_sign_server() {  # sets sign_pid, sign_base; the session of $saml_cookie copied under sign:
  local name=${saml_cookie%%=*} id=${saml_cookie#*=} port
  rcli --raw GET "bench-saml:sess:$id" | head -c -1 >"$work/session.json"
  [ -s "$work/session.json" ] || die "the session bench-saml:sess:… is not in Redis (key schema changed?)"
  rcli -x SET "sign:sess:$id" <"$work/session.json" >/dev/null
  port=$(free_port)
  "${sign_wrapper[@]}" "$floor_bin" --listen "127.0.0.1:$port" --redis "127.0.0.1:$redis_port" \
    --threads "$server_threads" --prefix "sign:" --certificate "$work/sesame.crt" \
    --private-key "$work/sesame.key" --sign-key "$work/saml/idp-signing.key" \
    --page "$work/page-plain.html" --cookie "$name" --signed-bytes "$signed_info_bytes" \
    2>"$work/sign-server.log" &
  sign_pid=$!
  pids+=("$sign_pid")
  sign_base=https://127.0.0.1:$port
  wait_https "$sign_base/readyz" "$sign_pid" "floor_server (sign server)" \
    $((${#sign_wrapper[@]} > 0 ? 60 : 10)) "$work/sign-server.log"
  local status
  status=$(curl -sk -o /dev/null -w '%{http_code}' -H "Cookie: $saml_cookie" "$sign_base/saml/sso")
  [ "$status" = 200 ] || die "the sign server answers $status with the session cookie"
}

# ---- instructions per round trip (run.sh --saml --callgrind N): Sesame under callgrind, the
# headline exchange N times in a row on one keep-alive TLS connection (curl), counted from a
# zeroed counter after a warm-up. Repeatable whatever else runs on the machine.
# callgrind_round_trips <count> <label> <pid> <base> <name>: <count> round trips to the server
# <pid> at <base>, counted when <label> is "measured": sets cg_ir (instructions per round trip)
# cg_rsa (of which in RSA_sign, the PKCS#1 v1.5 signature), cg_handshake (in SSL_accept: the
# connection's TLS handshake, whose cost varies with OpenSSL's RSA blinding updates) and cg_rest
# (the rest: what changes with the code of the exchange), and keeps the profile
# (callgrind_annotate --inclusive=yes) as <work>/callgrind-<name>.txt. Sesame's answers must each
# be an issued assertion (its log says so).
callgrind_round_trips() {
  local n=$1 label=$2 pid=$3 base=$4 name=$5 i before=0 after=0
  saml_requests "$n" "$work/cg.txt"
  : >"$work/cg.curl"
  while read -r query; do
    printf 'url = "%s/saml/sso?%s"\noutput = "/dev/null"\n' "$base" "$query" >>"$work/cg.curl"
  done <"$work/cg.txt"
  assertions() { grep -c '"event":"saml_assertion"' "$work/sesame-saml.log" || true; }
  [ "$pid" = "$saml_pid" ] && before=$(assertions)
  [ "$label" = measured ] && callgrind_control -z "$pid" >/dev/null 2>&1
  curl -sk -H "Cookie: $saml_cookie" -w '%{http_code}\n' -K "$work/cg.curl" >"$work/cg.status" ||
    die "curl failed"
  [ "$label" = measured ] && callgrind_control -d "$pid" >/dev/null 2>&1
  [ "$(grep -c '^200$' "$work/cg.status")" = "$n" ] || die "callgrind: not every answer was a 200"
  if [ "$pid" = "$saml_pid" ]; then
    # Info lines are batched for up to 10 ms: wait for the last ones.
    for i in $(seq 1 50); do
      after=$(assertions)
      [ "$((after - before))" -ge "$n" ] && break
      sleep 0.2
    done
    [ "$((after - before))" = "$n" ] ||
      die "callgrind: $((after - before)) assertions issued for $n requests"
  fi
  [ "$label" = measured ] || return 0
  local dump
  dump=$(ls -t "$work"/callgrind.out."$pid".* | head -1)
  callgrind_annotate --inclusive=yes "$dump" >"$work/callgrind-$name.txt" 2>/dev/null || true
  cg_ir=$(awk -v n="$n" '/^(summary|totals):/ { printf "%d", $2 / n; exit }' "$dump")
  inclusive() {  # inclusive <function>: its instructions per round trip
    awk -v n="$n" -v f=":$1 " 'index($0, f) { gsub(/,/, "", $1); printf "%d", $1 / n; found = 1; exit }
      END { if (!found) print 0 }' "$work/callgrind-$name.txt"
  }
  cg_rsa=$(inclusive RSA_sign) cg_handshake=$(inclusive SSL_accept)
  cg_rest=$((cg_ir - cg_rsa - cg_handshake))
}

if [ "$saml" = 1 ]; then
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  write_saml_services
  if [ "$callgrind" != 0 ]; then
    command -v valgrind >/dev/null || die "valgrind is missing"
    sesame_wrapper=(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p")
  fi
  start_sesame saml
  sesame_wrapper=()
  saml_pid=$sesame_pid saml_base=$sesame_base server_pid=$sesame_pid
  saml_cookie=$(log_in "$saml_base")
  for variant in $saml_variants; do
    use_saml_variant "$variant"
    saml_check_responses
  done
  if [ "$callgrind" != 0 ]; then
    # Instructions, not time: valgrind hides some of the CPU's extensions from OpenSSL, whose
    # bignum and hash code then take another path (more instructions than natively); the rest
    # of the counts is what runs natively.
    echo
    echo "Instructions per round trip (callgrind; $callgrind round trips in a row after 20, one keep-alive TLS connection), $(git -C "$root" describe --always --dirty), $(date -u '+%Y-%m-%d %H:%M UTC'):"
    echo
    echo "| server | SP | instructions | in RSA_sign | in the TLS handshake | the rest |"
    echo "|---|---|---:|---:|---:|---:|"
    for variant in $saml_variants; do
      use_saml_variant "$variant"
      callgrind_round_trips 20 warm-up "$saml_pid" "$saml_base" "sesame-$variant"
      callgrind_round_trips "$callgrind" measured "$saml_pid" "$saml_base" "sesame-$variant"
      echo "| Sesame | $saml_variant | $cg_ir | $cg_rsa | $cg_handshake | $cg_rest |"
    done
    if [[ " $saml_variants " == *" plain "* ]]; then
      use_saml_variant plain
      sign_wrapper=(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p")
      start_sign_server
      callgrind_round_trips 20 warm-up "$sign_pid" "$sign_base" sign-server
      callgrind_round_trips "$callgrind" measured "$sign_pid" "$sign_base" sign-server
      echo "| sign server | plain | $cg_ir | $cg_rsa | $cg_handshake | $cg_rest |"
    fi
    echo
    say "profiles (inclusive): $work/callgrind-*.txt (kept with SESAME_BENCH_KEEP=1)"
    exit 0
  fi
  if [[ " $saml_variants " == *" plain "* ]]; then
    start_sign_server
    signer_pid=$sign_pid
  fi
  total_errors=0 saml_tables=""
  for variant in $saml_variants; do
  use_saml_variant "$variant"
  saml_rows=() saml_notes=()
  # A first warm-up gives the rate that sizes every later batch (signing 1.25 x floor x seconds
  # requests with the SP's 3072-bit key takes minutes on this machine).
  floor_sps=$(signing_floor)
  saml_requests "$(awk -v f="$floor_sps" -v s="$warmup" 'BEGIN { printf "%d", 1.25 * f * s + 500 }')" \
    "$work/first.txt"
  split_slices "$work/first.txt" "$work/first"
  server_pid=$saml_pid
  run_wrk 64 "$warmup" "$saml_base" test/bench/saml.lua "$work/first" "$saml_cookie"
  saml_rate=$r_ops
  say "$saml_variant: first warm-up: $saml_rate round trips/s (floor $floor_sps signs/s)"
  for c in 8 64; do
    round_ratios=() c_rows=()
    for ((round = 0; round < rounds; round++)); do
      # The requests are signed first (IssueInstant now: they stay fresh for the
      # 5 min of saml.request_lifetime), then the floor, then the sign server, then Sesame, so
      # that none overlaps.
      # Sesame cannot sign faster than the floor: 1.25 x floor x seconds requests cannot run out;
      # after a first run, twice its rate is enough and much cheaper to sign, but never less than
      # 0.75 x floor (a first warm-up slowed by someone's build once gave half the next run's
      # rate); any thread that runs out counts errors and says so. The sign server gets the same
      # requests (it does not read them), again from the start of its slice when they run out
      # (saml.lua's "cycle": it may go faster than Sesame).
      # Unsigned requests (the headline) cost nothing to write: 2.5 x floor, whatever the
      # machine's load did to the floor and the warm-up meanwhile.
      need=$(awk -v f="$floor_sps" -v r="${saml_rate:-0}" -v s=$((warmup + duration)) \
        -v plain="$([ "$saml_variant" = plain ] && echo 1 || echo 0)" \
        'BEGIN { n = 1.25 * f; m = 2 * r; if (m < 0.75 * f) m = 0.75 * f;
                 if (r > 0 && m < n) n = m; if (plain) n = 2.5 * f;
                 printf "%d", n * s + 500 }')
      say "$saml_variant c=$c round $((round + 1)): writing $need AuthnRequests"
      saml_requests "$need" "$work/requests.txt"
      head -n "$(awk -v n="$need" -v w="$warmup" -v s=$((warmup + duration)) 'BEGIN { printf "%d", n * w / s }')" \
        "$work/requests.txt" >"$work/warm.txt"
      tail -n +"$(($(wc -l <"$work/warm.txt") + 1))" "$work/requests.txt" >"$work/run.txt"
      split_slices "$work/warm.txt" "$work/warm"
      split_slices "$work/run.txt" "$work/run"
      floor_sps=$(signing_floor)
      sign_us=$(awk -v f="$floor_sps" -v n="$(nproc)" 'BEGIN { printf "%.0f", n * 1e6 / f }')
      load_at=$(cut -d' ' -f1 /proc/loadavg)
      c_rows+=("$(printf '| %3s | %-30s | %8.0f | %5s | %14s | %6s | %6s | %6s | %6s | %5s | %5s | %4s |' \
        "$c" "openssl speed rsa2048 (signs)" "$floor_sps" "1.00" "" "" "" "" "$sign_us" "" "" "$load_at")")
      sign_ops=""
      if [ "$saml_variant" = plain ]; then
        server_pid=$signer_pid
        run_wrk "$c" "$warmup" "$sign_base" test/bench/saml.lua "$work/warm" "$saml_cookie" cycle
        run_wrk "$c" "$duration" "$sign_base" test/bench/saml.lua "$work/run" "$saml_cookie" cycle
        sign_ops=$r_ops
        sign_ratio=$(awk -v a="$r_ops" -v b="$floor_sps" 'BEGIN { printf "%.2f", a / b }')
        errors=$r_all_errors
        [ "${r_exhausted:-0}" -gt 0 ] && errors="$errors ($r_exhausted ran out of requests)"
        total_errors=$((total_errors + r_all_errors))
        c_rows+=("$(printf '| %3s | %-30s | %8s | %5s | %14s | %6.2f | %6.2f | %6s | %6s | %5s | %5s | %4s |' \
          "$c" "sign server (round trips)" "$r_ops" "$sign_ratio" "1.00" \
          "$(awk -v u="$r_p50_us" 'BEGIN { print u / 1000 }')" \
          "$(awk -v u="$r_p99_us" 'BEGIN { print u / 1000 }')" "$errors" "$r_server_cpu" \
          "$r_redis_cpu" "$r_wrk_cpu" "$(cut -d' ' -f1 /proc/loadavg)")")
        say "$saml_variant c=$c: sign server $r_ops round trips/s, ratio $sign_ratio to the floor," \
          "p50 ${r_p50_us}us p99 ${r_p99_us}us, errors $errors, CPU/round trip: server" \
          "${r_server_cpu}us (one sign ${sign_us}us) redis ${r_redis_cpu}us wrk ${r_wrk_cpu}us"
      fi
      server_pid=$saml_pid
      run_wrk "$c" "$warmup" "$saml_base" test/bench/saml.lua "$work/warm" "$saml_cookie"
      perf_pid=""
      if [ -n "${SESAME_BENCH_PERF:-}" ] && [ "$round" = 0 ]; then
        perf record -F 499 $SESAME_BENCH_PERF -p "$saml_pid" -o "$work/perf-saml-$saml_variant-$c.data" \
          >"$work/perf-saml-$saml_variant-$c.log" 2>&1 &
        perf_pid=$!
      fi
      run_wrk "$c" "$duration" "$saml_base" test/bench/saml.lua "$work/run" "$saml_cookie"
      if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" && wait "$perf_pid" || true
        perf report -i "$work/perf-saml-$saml_variant-$c.data" --stdio --children --percent-limit 0.5 -g none \
          >"$work/perf-saml-$saml_variant-$c.txt" 2>/dev/null || true
        say "profile of Sesame at c=$c: $work/perf-saml-$saml_variant-$c.txt"
      fi
      errors=$r_all_errors saml_rate=$r_ops
      [ "${r_exhausted:-0}" -gt 0 ] && errors="$errors ($r_exhausted ran out of requests)"
      ratio=$(awk -v a="$r_ops" -v b="$floor_sps" 'BEGIN { printf "%.2f", a / b }')
      to_signer="-"
      [ -n "$sign_ops" ] && to_signer=$(awk -v a="$r_ops" -v b="$sign_ops" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      c_rows+=("$(printf '| %3s | %-30s | %8s | %5s | %14s | %6.2f | %6.2f | %6s | %6s | %5s | %5s | %4s |' \
        "$c" "Sesame (round trips)" "$r_ops" "$ratio" "$to_signer" \
        "$(awk -v u="$r_p50_us" 'BEGIN { print u / 1000 }')" \
        "$(awk -v u="$r_p99_us" 'BEGIN { print u / 1000 }')" "$errors" "$r_server_cpu" \
        "$r_redis_cpu" "$r_wrk_cpu" "$(cut -d' ' -f1 /proc/loadavg)")")
      round_ratios+=("$ratio")
      total_errors=$((total_errors + r_all_errors))
      say "$saml_variant c=$c: $r_ops round trips/s (req/s $r_rps), floor $floor_sps signs/s, ratio $ratio," \
        "to the sign server $to_signer, p50 ${r_p50_us}us p99 ${r_p99_us}us, errors $errors," \
        "CPU/round trip: Sesame ${r_server_cpu}us (one sign ${sign_us}us)" \
        "redis ${r_redis_cpu}us wrk ${r_wrk_cpu}us, load $load_at"
      rm -f "$work"/warm.* "$work"/run.*
    done
    median=$(median_round "${round_ratios[@]}")
    # The rows of the round with the median ratio: floor, [sign server,] Sesame.
    per_round=$((${#c_rows[@]} / rounds))
    saml_rows+=("${c_rows[@]:$((median * per_round)):$per_round}")
    [ "$rounds" -gt 1 ] && saml_notes+=("c=$c: Sesame / floor in each round: ${round_ratios[*]} (median shown)")
  done
  case $saml_variant in
    plain) title="Unsigned AuthnRequests, signed unencrypted Response (the headline)" ;;
    encrypted) title="Signed AuthnRequests (RSA-3072), encrypted assertions (RSA-OAEP-3072, AES-GCM)" ;;
  esac
  saml_tables+="
$title ($saml_issuer):

|   c | what                           |    per s | ratio | to sign server | p50 ms | p99 ms | errors | CPU µs | Redis |   wrk | load |
|----:|--------------------------------|---------:|------:|---------------:|-------:|-------:|-------:|-------:|------:|------:|-----:|
$(printf '%s\n' "${saml_rows[@]}")
$([ ${#saml_notes[@]} -gt 0 ] && printf -- '\n- %s' "${saml_notes[@]}" || true)
"
  done
  cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
  sign_note=""
  [ -n "${signer_pid:-}" ] && sign_note="- the sign server (floor_server --sign-key): TLS as Sesame, the session read (Redis GET), one
  RSA-2048 PKCS#1 v1.5 SHA-256 signature over ${signed_info_bytes} bytes, a page of $(wc -c <"$work/page-plain.html") bytes (a page of Sesame's)
"
  echo
  cat <<EOF
Run on $(date -u '+%Y-%m-%d %H:%M UTC') with \`$command_line\` ($(git -C "$root" describe --always --dirty)).
Machine: $(nproc) cores, $cpu; load average before the run $load_before, after $(cut -d' ' -f1-3 /proc/loadavg).
wrk $wrk_threads threads, ${duration} s per run after a ${warmup} s warm-up; Sesame$([ -n "${signer_pid:-}" ] && echo " and the sign server" || true) over TLS with $server_threads worker threads; $(openssl version | cut -d' ' -f1-2).
$saml_tables
- per s: signs per second of both cores (openssl speed), else successful round trips per second;
  ratio: to the floor's signs per second; CPU µs: per round trip of the server measured (for the
  floor: one sign's share of two cores, 2 s ÷ signs); Redis, wrk: their CPU per round trip; load:
  the 1-minute load average after that run (for the floor: before the runs of that row's group)
$sign_note- errors over every measured run: $total_errors
- peak RSS of Sesame (VmHWM): $(peak_rss_mb "$saml_pid") MB

Targets: at least 0.70x the signing floor, 0 errors, peak RSS < 64 MB.
EOF
  exit 0
fi

# ---- OpenID Connect (issue 9): Sesame over TLS as the demo runs, three bench clients ----
# The benchmark's own registry: the demo's CAS catch-all (the portal login that opens the
# session, and the CAS pair, start from a CAS service) and three clients written from the demo's
# `demo-rp` (etc/services/demo-oidc.yml: its secret, redirect URIs, scopes and release), one file
# each:
#   bench-rs256  RS256 ID tokens, opaque access tokens, no refresh_token grant: one RSA-2048
#                signature per pair (the issue's headline)
#   bench-es256  the same with ES256 ID tokens: one ECDSA P-256 signature per pair
#   bench-rp     demo-rp's own settings (RS256, RFC 9068 JWT access tokens, refresh tokens): two
#                RSA signatures and one more Redis write per pair
oidc_redirect=http://127.0.0.1:9999/callback  # demo-rp's; never contacted
oidc_redirect_encoded=http%3A%2F%2F127.0.0.1%3A9999%2Fcallback
oidc_secret=demo-secret
write_oidc_services() {
  mkdir -p "$work/services"
  cp etc/services/demo-loopback.yml "$work/services/"
  config_source=etc/services/demo-oidc.yml
  local demo_rp client
  demo_rp=$(awk '/^  - id: demo-rp$/ { p = 1 } /^  - id: demo-app$/ { p = 0 } p' etc/services/demo-oidc.yml)
  [ -n "$demo_rp" ] || die "etc/services/demo-oidc.yml no longer has the client demo-rp"
  for client in bench-rs256 bench-es256 bench-rp; do
    config=$demo_rp
    replace "id: demo-rp" "id: $client"  # the service's id and its client_id
    # Checked only: the pairs use this redirect URI and secret.
    replace "redirect_uris: [$oidc_redirect," "redirect_uris: [$oidc_redirect,"
    if [ "$client" != bench-rp ]; then
      replace "grant_types: [authorization_code, refresh_token]" "grant_types: [authorization_code]"
      replace "client_secret: $oidc_secret" "client_secret: $oidc_secret
    access_token_format: opaque
    id_token_signed_response_alg: $(printf '%s' "${client#bench-}" | tr a-z A-Z)"
    else
      replace "client_secret: $oidc_secret" "client_secret: $oidc_secret"
    fi
    printf 'services:\n%s\n' "$config" >"$work/services/$client.yml"
  done
}
# use_oidc_client <bench-rs256|bench-es256|bench-rp>: the client the next pairs are of.
use_oidc_client() {
  oidc_client=$1
  oidc_scope=openid
  # demo-rp's kind of relying party asks for the person's profile too (bigger grant, same path).
  [ "$1" = bench-rp ] && oidc_scope="openid profile email ent"
  oidc_scope_encoded=${oidc_scope// /%20}
  oidc_basic="Basic $(printf '%s:%s' "$1" "$oidc_secret" | base64 -w0)"
}
oidc_pair() {  # oidc_pair <c> <seconds>: one wrk run of the current client's pairs
  run_wrk "$1" "$2" "$oidc_base" test/bench/oidc.lua "$oidc_cookie" "$oidc_client" \
    "$oidc_redirect_encoded" "$oidc_scope_encoded" "$oidc_basic"
}
b64url_decode() {  # base64url text on stdin, its bytes on stdout
  local s
  s=$(tr -- '-_' '+/')
  while [ $((${#s} % 4)) -ne 0 ]; do s+="="; done
  printf '%s' "$s" | base64 -d
}
# One pair of each client checked whole before the runs: a 303 to the redirect_uri with a code,
# the state sent and iss (RFC 9207); the token response a 200 with a Bearer access token (a JWT
# or opaque as registered), a refresh token only for bench-rp, and an ID token whose header
# names the client's algorithm, whose claims carry the nonce sent, aud = the client and iss, and
# whose signature verifies with `openssl` against the public key the JWKS publishes under its kid.
oidc_check_pair() {
  local n=$1 headers location code body id_token header payload alg want_alg kid jwk
  headers=$(curl -sk -D - -o /dev/null -H "Cookie: $oidc_cookie" \
    "$oidc_base/oidc/authorize?response_type=code&client_id=$oidc_client&redirect_uri=$oidc_redirect_encoded&scope=$oidc_scope_encoded&state=check-$n&nonce=nonce-$n")
  [[ $headers == "HTTP/1.1 303"* ]] || die "$oidc_client: /authorize did not answer 303: $(printf '%s' "$headers" | head -1)"
  location=$(printf '%s' "$headers" | header location)
  [[ $location == "$oidc_redirect?"* ]] || die "$oidc_client: redirected to $location"
  [[ $location == *"&state=check-$n&"* ]] || die "$oidc_client: the state is not sent back: $location"
  [[ $location == *"&iss=https%3A%2F%2F127.0.0.1%3A${oidc_base##*:}%2Foidc"* ]] ||
    die "$oidc_client: no iss (RFC 9207) in $location"
  code=$(printf '%s' "$location" | sed -n 's/.*[?&]code=\([A-Za-z0-9_-]*\).*/\1/p')
  [ -n "$code" ] || die "$oidc_client: no code in $location"
  body=$(curl -sk -w '\nstatus=%{http_code}' -u "$oidc_client:$oidc_secret" \
    --data "grant_type=authorization_code&code=$code&redirect_uri=$oidc_redirect_encoded" \
    "$oidc_base/oidc/token")
  [[ $body == *"status=200" ]] || die "$oidc_client: /token: $body"
  body=${body%$'\n'status=200}
  json_field() { printf '%s' "$body" | perl -MJSON::PP -0ne "print decode_json(\$_)->{$1} // ''"; }
  [ "$(json_field token_type)" = Bearer ] || die "$oidc_client: token_type is not Bearer: $body"
  if [ "$oidc_client" = bench-rp ]; then
    [ -n "$(json_field refresh_token)" ] || die "$oidc_client: no refresh token"
    [ "$(json_field access_token | tr -cd . | wc -c)" = 2 ] || die "$oidc_client: the access token is not a JWT"
  else
    [ -z "$(json_field refresh_token)" ] || die "$oidc_client: a refresh token it may not have"
    [ "$(json_field access_token | tr -cd . | wc -c)" = 0 ] || die "$oidc_client: the access token is not opaque"
  fi
  id_token=$(json_field id_token)
  [ -n "$id_token" ] || die "$oidc_client: no id_token: $body"
  header=$(printf '%s' "${id_token%%.*}" | b64url_decode)
  payload=$(printf '%s' "$id_token" | cut -d. -f2 | b64url_decode)
  want_alg=RS256
  [ "$oidc_client" = bench-es256 ] && want_alg=ES256
  alg=$(printf '%s' "$header" | perl -MJSON::PP -0ne 'print decode_json($_)->{alg}')
  kid=$(printf '%s' "$header" | perl -MJSON::PP -0ne 'print decode_json($_)->{kid}')
  [ "$alg" = "$want_alg" ] || die "$oidc_client: the ID token is signed with $alg, not $want_alg"
  printf '%s' "$payload" | perl -MJSON::PP -e 'local $/; my $c = decode_json(<STDIN>);
    my ($nonce, $aud, $iss) = @ARGV;
    exit(($c->{nonce} eq $nonce && $c->{aud} eq $aud && $c->{iss} eq $iss && $c->{at_hash}) ? 0 : 1)' \
    "nonce-$n" "$oidc_client" "$oidc_base/oidc" || die "$oidc_client: ID token claims: $payload"
  # The public key under that kid, from the JWKS, as PEM (perl writes the DER of the
  # SubjectPublicKeyInfo: RSA n, e or EC P-256 x, y), then the signature checked by openssl.
  curl -sk "$oidc_base/oidc/jwks" >"$work/jwks.json"
  perl -MJSON::PP -MMIME::Base64 -e '
    sub b64u { my $s = shift; $s =~ tr{-_}{+/}; $s .= "=" x ((4 - length($s) % 4) % 4); decode_base64($s) }
    sub len { my $l = shift; $l < 128 ? chr($l) : $l < 256 ? "\x81" . chr($l) : "\x82" . pack("n", $l) }
    sub tlv { my ($t, $v) = @_; chr($t) . len(length $v) . $v }
    sub int_ { my $v = shift; $v =~ s/^\x00+//; $v = "\x00$v" if ord($v) >= 128; tlv(2, $v) }
    local $/; open my $f, "<", $ARGV[0] or die; my $set = decode_json(<$f>);
    my ($k) = grep { $_->{kid} eq $ARGV[1] } @{ $set->{keys} } or die "no key $ARGV[1] in the JWKS\n";
    my $spki;
    if ($k->{kty} eq "RSA") {
      my $alg = tlv(0x30, "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00");
      $spki = tlv(0x30, $alg . tlv(3, "\x00" . tlv(0x30, int_(b64u($k->{n})) . int_(b64u($k->{e})))));
    } else {
      my $alg = tlv(0x30, "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07");
      $spki = tlv(0x30, $alg . tlv(3, "\x00\x04" . b64u($k->{x}) . b64u($k->{y})));
    }
    print "-----BEGIN PUBLIC KEY-----\n", encode_base64($spki), "-----END PUBLIC KEY-----\n"' \
    "$work/jwks.json" "$kid" >"$work/id-token-key.pem" || die "$oidc_client: kid $kid not in the JWKS"
  printf '%s' "${id_token%.*}" >"$work/id-token.signed"
  printf '%s' "${id_token##*.}" | b64url_decode >"$work/id-token.sig"
  if [ "$alg" = ES256 ]; then  # JWS's r || s (RFC 7518 §3.4) -> the DER openssl verifies
    perl -e 'local $/; my $s = <STDIN>; length($s) == 64 or die;
      sub int_ { my $v = shift; $v =~ s/^\x00+//; $v = "\x00$v" if ord($v) >= 128; "\x02" . chr(length $v) . $v }
      my $b = int_(substr($s, 0, 32)) . int_(substr($s, 32)); print "\x30", chr(length $b), $b' \
      <"$work/id-token.sig" >"$work/id-token.der" && mv "$work/id-token.der" "$work/id-token.sig"
  fi
  openssl dgst -sha256 -verify "$work/id-token-key.pem" -signature "$work/id-token.sig" \
    "$work/id-token.signed" >/dev/null 2>&1 || die "$oidc_client: the ID token's signature does not verify"
}

if [ "$oidc" = 1 ]; then
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  write_oidc_services
  start_sesame oidc
  oidc_pid=$sesame_pid oidc_base=$sesame_base server_pid=$sesame_pid
  oidc_cookie=$(log_in "$oidc_base")
  for client in bench-rs256 bench-es256 bench-rp; do
    use_oidc_client "$client"
    for n in 1 2 3; do oidc_check_pair "$n"; done
  done
  say "3 pairs of each client checked: 303 + code, state, iss; 200 + Bearer token, ID token" \
    "alg, nonce, aud, iss, at_hash, signature verified against the JWKS"
  total_errors=0 oidc_rows=() oidc_notes=()
  # oidc_row <what> <c> <base or ""> <base's figure> <sign floor or ""> : a row from r_*
  oidc_row() {
    local ratio="—" sign_us="—" pairs
    pairs=$(awk -v n="$r_total" 'BEGIN { print n / 2 }')
    [ -n "$3" ] && ratio=$(awk -v a="$r_ops" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
    [ -n "$5" ] && sign_us=$(awk -v f="$5" -v n="$(nproc)" 'BEGIN { printf "%.0f", n * 1e6 / f }')
    per_pair() { awk -v t="$1" -v n="$pairs" 'BEGIN { printf "%.0f", t / (n > 0 ? n : 1) }'; }
    oidc_rows+=("$(printf '| %-28s | %3s | %7s | %12s | %5s | %6.2f | %6.2f | %6s | %6s | %6s | %5s | %5s | %4s |' \
      "$1" "$2" "$r_ops" "$4" "$ratio" "$(awk -v u="$r_p50_us" 'BEGIN { print u / 1000 }')" \
      "$(awk -v u="$r_p99_us" 'BEGIN { print u / 1000 }')" "$r_all_errors" \
      "$(per_pair "$r_server_us")" "$sign_us" "$(per_pair "$r_redis_us")" "$(per_pair "$r_wrk_us")" "$load_at")")
    total_errors=$((total_errors + r_all_errors))
    say "$1 c=$2: $r_ops pairs/s (req/s $r_rps), ratio $ratio to $4, p50 ${r_p50_us}us p99 ${r_p99_us}us," \
      "errors $r_all_errors, CPU/pair: Sesame $(per_pair "$r_server_us")us (one sign ${sign_us}us)" \
      "redis $(per_pair "$r_redis_us")us wrk $(per_pair "$r_wrk_us")us, load $load_at"
  }
  # redis_calls: "command calls usec" of every command Redis has run (INFO commandstats).
  redis_calls() {
    rcli INFO commandstats | tr -d '\r' |
      sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2 \3/p'
  }
  # redis_per_pair <before file> <after file> <pairs>: "eval 2.00 (14 µs), get 1.00 (1 µs), ..."
  # the commands Redis ran per pair during a run, with the µs of Redis time each took on average.
  redis_per_pair() {
    awk -v n="$3" 'NR == FNR { calls[$1] = $2; usec[$1] = $3; next }
      { c = $2 - calls[$1]; u = $3 - usec[$1]; if (c / n >= 0.01) {
          out = out sep sprintf("%s %.2f (%.0f µs)", $1, c / n, u / c); sep = ", " } }
      END { print out }' "$1" "$2"
  }
  oidc_measure() {  # oidc_measure <c>: a warm-up, then the measured run (profiled if asked)
    oidc_pair "$1" "$warmup"
    redis_calls >"$work/redis-before.txt"
    local perf_pid=""
    if [ -n "${SESAME_BENCH_PERF:-}" ] && [ "$round" = 0 ] && [ "$1" = 64 ]; then
      perf record -F 499 $SESAME_BENCH_PERF -p "$oidc_pid" -o "$work/perf-$oidc_client-$1.data" \
        >"$work/perf-$oidc_client-$1.log" 2>&1 &
      perf_pid=$!
    fi
    load_at=$(cut -d' ' -f1 /proc/loadavg)
    oidc_pair "$1" "$duration"
    redis_calls >"$work/redis-after.txt"
    oidc_notes+=("$oidc_client c=$1: Redis commands per pair: $(redis_per_pair "$work/redis-before.txt" \
      "$work/redis-after.txt" "$(awk -v n="$r_total" 'BEGIN { print (n > 1 ? n / 2 : 1) }')")")
    if [ -n "$perf_pid" ]; then
      kill -INT "$perf_pid" && wait "$perf_pid" || true
      perf report -i "$work/perf-$oidc_client-$1.data" --stdio --no-children --percent-limit 0.5 \
        -g none >"$work/perf-$oidc_client-$1.txt" 2>/dev/null || true
      say "profile of Sesame ($oidc_client, c=$1): $work/perf-$oidc_client-$1.txt"
    fi
  }
  for c in 8 64; do
    for ((round = 0; round < rounds; round++)); do
      # The CAS pair on the same Sesame (login with the session cookie + serviceValidate): the
      # ES256 pair's yardstick.
      load_at=$(cut -d' ' -f1 /proc/loadavg)
      run_wrk "$c" "$warmup" "$oidc_base" test/bench/pair.lua "$oidc_cookie" "$service_encoded"
      redis_calls >"$work/redis-before.txt"
      run_wrk "$c" "$duration" "$oidc_base" test/bench/pair.lua "$oidc_cookie" "$service_encoded"
      redis_calls >"$work/redis-after.txt"
      cas_pairs=$r_ops
      oidc_notes+=("CAS pair c=$c: Redis commands per pair: $(redis_per_pair "$work/redis-before.txt" \
        "$work/redis-after.txt" "$(awk -v n="$r_total" 'BEGIN { print (n > 1 ? n / 2 : 1) }')")")
      oidc_row "CAS login + serviceValidate" "$c" "" "—" ""
      rsa_floor=$(signing_floor rsa2048 | awk '{ printf "%.0f", $1 }')
      use_oidc_client bench-rs256
      oidc_measure "$c"
      oidc_row "OIDC RS256 (opaque AT)" "$c" "$rsa_floor" "$rsa_floor RSA" "$rsa_floor"
      ec_floor=$(signing_floor ecdsap256 | awk '{ printf "%.0f", $1 }')
      use_oidc_client bench-es256
      oidc_measure "$c"
      oidc_row "OIDC ES256 (opaque AT)" "$c" "$cas_pairs" "$cas_pairs CAS" "$ec_floor"
      use_oidc_client bench-rp
      oidc_measure "$c"
      oidc_row "OIDC demo-rp (JWT AT + RT)" "$c" "$rsa_floor" "$rsa_floor RSA" "$rsa_floor"
      oidc_notes+=("c=$c round $((round + 1)): ECDSA P-256 floor $ec_floor signs/s")
    done
  done
  cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
  echo
  cat <<REPORT
Run on $(date -u '+%Y-%m-%d %H:%M UTC') with \`$command_line\`.
Machine: $(nproc) cores, $cpu; load average before the run $load_before, after $(cut -d' ' -f1-3 /proc/loadavg).
wrk $wrk_threads threads, ${duration} s per run after a ${warmup} s warm-up; Sesame over TLS with $server_threads worker threads; $(openssl version | cut -d' ' -f1-2);
floors: \`openssl speed -multi $(nproc) -seconds $duration rsa2048\` (before the RS256 and demo-rp rows) and \`ecdsap256\` (before the ES256 row).

| pair                         |   c | pairs/s |      against | ratio | p50 ms | p99 ms | errors | Sesame CPU µs | one sign µs | Redis | wrk | load |
|------------------------------|----:|--------:|-------------:|------:|-------:|-------:|-------:|-------:|-------:|------:|------:|-----:|
$(printf '%s\n' "${oidc_rows[@]}")

$(printf -- '- %s\n' "${oidc_notes[@]}")
- errors over every measured run: $total_errors
- peak RSS of Sesame (VmHWM): $(peak_rss_mb "$oidc_pid") MB

Targets: RS256 pairs/s ≥ 0.5× the RSA-2048 floor; ES256 pairs/s ≥ 0.5× the CAS pair's; 0 errors; peak RSS < 64 MB.
REPORT
  exit 0
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_sesame plain
plain_pid=$sesame_pid plain_base=$sesame_base plain_ready=$ready_ms plain_startup=$startup_ms
cookie=$(log_in "$plain_base")
ticket_value "$plain_base" "$cookie" "bench-plain:" "$work/value.json"  # for the floor

floor_port=$(free_port)
"$floor_bin" --listen "127.0.0.1:$floor_port" --redis "127.0.0.1:$redis_port" \
  --threads "$server_threads" --prefix "floor:" 2>"$work/floor.log" &
floor_pid=$!
pids+=("$floor_pid")
wait_ready "$floor_port" "$floor_pid" 10 || die "floor_server did not start: $(cat "$work/floor.log")"

declare -A floor_at
total_errors=0
for c in 8 64; do
  # Rounds of floor then Sesame; the round with the median ratio gives the table's two rows.
  round_ratios=() floor_rows=() validate_rows=() floor_rps=()
  for ((round = 0; round < rounds; round++)); do
    server_pid=$floor_pid
    measure_tickets floor "$c" "http://127.0.0.1:$floor_port" "/take?ticket=" "floor:" \
      "$work/value.json"
    floor_at[$c]=$r_rps
    floor_rps+=("$r_rps")
    make_row "floor (Beast + GETDEL)" "$c" "$r_rps"
    floor_rows+=("$row")
    total_errors=$((total_errors + r_all_errors))
    server_pid=$plain_pid
    # A fresh real ticket to copy: its issuedAt must stay within the 5 min lifetime.
    ticket_value "$plain_base" "$cookie" "bench-plain:" "$work/value.json"
    measure_tickets validate "$c" "$plain_base" \
      "/cas/serviceValidate?service=$service_encoded&ticket=" "bench-plain:" "$work/value.json"
    make_row "serviceValidate" "$c" "${floor_at[$c]}"
    validate_rows+=("$row")
    round_ratios+=("$ratio")
    total_errors=$((total_errors + r_all_errors))
  done
  median=$(median_round "${round_ratios[@]}")
  rows+=("${floor_rows[$median]}" "${validate_rows[$median]}")
  floor_at[$c]=${floor_rps[$median]}
  notes+=("c=$c: serviceValidate / floor in each round: ${round_ratios[*]} (median shown)")
  say "c=$c: ratios per round ${round_ratios[*]}, median round $((median + 1))"
  server_pid=$plain_pid
  run_wrk "$c" "$warmup" "$plain_base" test/bench/pair.lua "$cookie" "$service_encoded"
  run_wrk "$c" "$duration" "$plain_base" test/bench/pair.lua "$cookie" "$service_encoded"
  record "login + validate (pair)" "$c" "${floor_at[$c]}"
  total_errors=$((total_errors + r_all_errors))
done
plain_rss=$(peak_rss_mb "$plain_pid")
kill "$plain_pid"

start_sesame tls
tls_pid=$sesame_pid tls_base=$sesame_base tls_ready=$ready_ms tls_startup=$startup_ms
tls_cookie=$(log_in "$tls_base")
ticket_value "$tls_base" "$tls_cookie" "bench-tls:" "$work/value-tls.json"

# The TLS floor: the same floor_server with Sesame's TLS settings (gateway/http/tls.cpp) and the
# demo's kind of certificate, so that the TLS pair is compared with what TLS itself costs.
floor_tls_port=$(free_port)
"$floor_bin" --listen "127.0.0.1:$floor_tls_port" --redis "127.0.0.1:$redis_port" \
  --threads "$server_threads" --prefix "floor-tls:" --certificate "$work/sesame.crt" \
  --private-key "$work/sesame.key" 2>"$work/floor-tls.log" &
floor_tls_pid=$!
pids+=("$floor_tls_pid")
wait_https "https://127.0.0.1:$floor_tls_port/readyz" "$floor_tls_pid" "floor_server (TLS)" 10 \
  "$work/floor-tls.log"

declare -A floor_tls_at
for c in 8 64; do
  # Rounds of TLS floor then TLS pair, as for serviceValidate in plain HTTP.
  round_ratios=() floor_rows=() pair_rows=() floor_rps=()
  for ((round = 0; round < rounds; round++)); do
    server_pid=$floor_tls_pid
    measure_tickets floor-tls "$c" "https://127.0.0.1:$floor_tls_port" "/take?ticket=" \
      "floor-tls:" "$work/value-tls.json"
    floor_tls_at[$c]=$r_rps
    floor_rps+=("$r_rps")
    make_row "floor, TLS" "$c" "$r_rps"
    floor_rows+=("$row")
    total_errors=$((total_errors + r_all_errors))
    server_pid=$tls_pid
    run_wrk "$c" "$warmup" "$tls_base" test/bench/pair.lua "$tls_cookie" "$service_encoded"
    run_wrk "$c" "$duration" "$tls_base" test/bench/pair.lua "$tls_cookie" "$service_encoded"
    make_row "login + validate, TLS" "$c" "${floor_tls_at[$c]}"
    pair_rows+=("$row")
    round_ratios+=("$ratio")
    total_errors=$((total_errors + r_all_errors))
  done
  median=$(median_round "${round_ratios[@]}")
  rows+=("${floor_rows[$median]}" "${pair_rows[$median]}")
  floor_tls_at[$c]=${floor_rps[$median]}
  notes+=("c=$c: TLS pair / TLS floor in each round: ${round_ratios[*]} (median shown)")
  say "c=$c: TLS pair ratios per round ${round_ratios[*]}, median round $((median + 1))"
  server_pid=$tls_pid
  ticket_value "$tls_base" "$tls_cookie" "bench-tls:" "$work/value-tls.json"
  measure_tickets tls "$c" "$tls_base" \
    "/cas/serviceValidate?service=$service_encoded&ticket=" "bench-tls:" "$work/value-tls.json"
  record "serviceValidate, TLS" "$c" "${floor_tls_at[$c]}"
  total_errors=$((total_errors + r_all_errors))
done
tls_rss=$(peak_rss_mb "$tls_pid")
kill "$tls_pid"

# ---- The pair through HAProxy and two nodes (docs/operations.md, "Reference deployment"):
# HAProxy ends TLS with etc/haproxy/sesame.cfg, each node runs one worker thread in plain HTTP,
# so that the machine runs as many Sesame threads as in the runs above. Compared with the TLS
# floor: what a browser meets is TLS at the same address.
ha_rows=()
if command -v haproxy >/dev/null; then
  haproxy_port=$(free_port)
  node_threads=$((server_threads / 2 > 0 ? server_threads / 2 : 1))
  node_ports=()
  node_pids=()
  for n in 1 2; do
    start_sesame node
    node_ports+=("${sesame_base##*:}")
    node_pids+=("$sesame_pid")
  done
  cat "$work/sesame.crt" "$work/sesame.key" >"$work/haproxy.pem"
  printf 'global\n  maxconn 4096\n  nbthread %s\n' "$server_threads" >"$work/haproxy-global.cfg"
  SESAME_PUBLIC_BIND=127.0.0.1:$haproxy_port SESAME_TLS_PEM=$work/haproxy.pem \
    SESAME_NODE1=127.0.0.1:${node_ports[0]} SESAME_NODE2=127.0.0.1:${node_ports[1]} \
    haproxy -db -f "$work/haproxy-global.cfg" -f etc/haproxy/sesame.cfg >"$work/haproxy.log" 2>&1 &
  haproxy_pid=$!
  pids+=("$haproxy_pid")
  wait_https "https://127.0.0.1:$haproxy_port/readyz" "$haproxy_pid" HAProxy 10 "$work/haproxy.log"
  ha_base=https://127.0.0.1:$haproxy_port
  ha_cookie=$(log_in "$ha_base")
  for c in 8 64; do
    # CPU columns: the first node's (server) and Redis'; HAProxy's in the note below.
    server_pid=${node_pids[0]}
    run_wrk "$c" "$warmup" "$ha_base" test/bench/pair.lua "$ha_cookie" "$service_encoded"
    ha0=$(cpu_ticks "$haproxy_pid")
    run_wrk "$c" "$duration" "$ha_base" test/bench/pair.lua "$ha_cookie" "$service_encoded"
    ha_cpu=$(awk -v t=$(($(cpu_ticks "$haproxy_pid") - ha0)) -v hz="$clock_ticks" \
      -v n="$r_total" 'BEGIN { printf "%.0f", t * 1e6 / hz / (n > 0 ? n : 1) }')
    record "pair, HAProxy + 2 nodes" "$c" "${floor_tls_at[$c]}"
    notes+=("c=$c: through HAProxy, HAProxy's CPU per request: ${ha_cpu} µs; the CPU µs column is node 1's alone")
    total_errors=$((total_errors + r_all_errors))
  done
  ha_rss="$(peak_rss_mb "${node_pids[0]}") / $(peak_rss_mb "${node_pids[1]}") MB"
else
  say "haproxy is missing: the two-node scenario is left out (scripts/install-deps.sh installs it)"
  ha_rss="—"
fi

# ---- the summary ----
cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
summary=$(
  cat <<EOF
Run on $(date -u '+%Y-%m-%d %H:%M UTC') with \`$command_line\`.
Machine: $(nproc) cores, $cpu; load average before the run $load_before, after $(cut -d' ' -f1-3 /proc/loadavg).
wrk $wrk_threads threads, ${duration} s per run after a ${warmup} s warm-up, floor and serviceValidate in $rounds rounds; Sesame and the floor with $server_threads worker threads;
Redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'); everything on this machine, over loopback.

| scenario                 |   c |    req/s |     ok/s | p50 ms | p99 ms | ratio | errors | CPU µs | Redis |   wrk |
|--------------------------|----:|---------:|---------:|-------:|-------:|------:|-------:|-------:|------:|------:|
$(printf '%s\n' "${rows[@]}")

$(printf -- '- %s\n' "${notes[@]}")
- errors over every run of this benchmark (all rounds, warm-ups excepted): $total_errors

| Sesame process         | plain HTTP | TLS |
|------------------------|-----------:|----:|
| peak RSS (VmHWM)       | $plain_rss MB | $tls_rss MB |
| peak RSS, two nodes    | $ha_rss (each node, one worker thread) | |
| exec → /readyz 200     | $plain_ready ms | $tls_ready ms (curl polling) |
| logged \`startup_ms\`    | $plain_startup ms | $tls_startup ms |

Targets: serviceValidate ≥ 0.70× the floor, the TLS pair ≥ 0.50× the TLS floor, 0 errors, peak RSS < 64 MB, ready < 200 ms.
EOF
)
echo
printf '%s\n' "$summary"

if [ "$write_docs" = 1 ]; then
  doc=docs/performance.md
  [ -f "$doc" ] && grep -q '^## Results' "$doc" || die "$doc has no '## Results' section"
  # Replace everything from "## Results" up to the next "## " heading (or the end).
  printf '%s\n' "$summary" >"$work/results.md"
  awk -v results="$work/results.md" '
    /^## Results/ { print; print ""; while ((getline line < results) > 0) print line; print "";
                    skipping = 1; next }
    skipping && /^## / { skipping = 0 }
    !skipping { print }' "$doc" >"$work/doc.md"
  cp "$work/doc.md" "$doc"
  say "results written to $doc"
fi
