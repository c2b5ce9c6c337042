#!/usr/bin/env bash
# The Sesame demo on one machine: installs what is missing, builds, then starts on loopback
#   - redis-server            127.0.0.1:6380
#   - slapd                   ldap://127.0.0.1:3389  (academic, commune and ENT demo directories)
#   - Sesame                  https://127.0.0.1:8443 (self-signed certificate made here)
#   - a demo ENT service      http://127.0.0.1:8081/app1/ (Apache httpd + mod_auth_cas), plus
#                             /app2/ (a second service: SSO), /staff/ (staff only) and
#                             /php/ (a PHP application using phpCAS)
# and prints the URLs and the demo logins. Ctrl-C (or SIGTERM) stops everything it started.
# Data and logs: var/demo/ (removed and made anew at each start).
# SESAME_BINARY=<path of a built sesame>: neither install nor build (the tests use it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -n "${SESAME_BINARY:-}" ]; then
  sesame=$SESAME_BINARY
else
  bash scripts/install-deps.sh
  build=${SESAME_BUILD_DIR:-$root/build}
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target sesame
  sesame=$build/gateway/app/sesame
fi

var=$root/var/demo
pids=()
# spawn <command...>: starts a server in the background in a session (so a process group) of its
# own, and keeps its PID to stop it. Apache httpd's prefork parent signals its whole process
# group when it stops: left in ours, it would kill this script and whatever started it (CI, a
# supervisor, a test harness). A script has no job control, so the job is no group leader and
# setsid(1) execs in place: $! is the server itself.
spawn() {
  setsid "$@" &
  pids+=($!)
}
cleanup() {
  trap - EXIT INT TERM
  echo "sesame demo: stopping" >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash "$root/scripts/slapd.sh" stop "$var/slapd" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in 6380 3389 8443 8081; do
  port_free "$port" || { echo "sesame demo: port $port is in use (another demo running?)" >&2; exit 1; }
done
wait_for() {  # wait_for <what> <seconds> <command...>: readiness, bounded
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "sesame demo: $what did not become ready in ${seconds}s (logs: $var)" >&2
  exit 1
}

rm -rf "$var"
mkdir -p "$var/tls" "$var/redis"

# A self-signed certificate for 127.0.0.1 and localhost, made at each start (no key in git).
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$var/tls/sesame.key" -out "$var/tls/sesame.crt" >/dev/null 2>&1

spawn redis-server --port 6380 --bind 127.0.0.1 --save '' --appendonly no --dir "$var/redis" \
  >"$var/redis/redis.log" 2>&1
wait_for redis-server 10 redis-cli -p 6380 ping

bash scripts/slapd.sh start "$var/slapd" 3389 >/dev/null

"$sesame" check-config -c etc/sesame.yml
spawn "$sesame" serve -c etc/sesame.yml 2>"$var/sesame.log"
wait_for Sesame 10 curl -sfk https://127.0.0.1:8443/readyz

conf=$(bash etc/demo/apache/render.sh --root "$var/apache" --port 8081 \
  --cas-base-url https://127.0.0.1:8443/cas --validation p3 --ca-file "$var/tls/sesame.crt")
spawn /usr/sbin/apache2 -f "$conf" -DFOREGROUND 2>"$var/apache-stderr.log"
wait_for "Apache httpd" 10 curl -sf http://127.0.0.1:8081/ping

cat <<MSG

  Sesame demo is running.

  ENT service (Apache + mod_auth_cas):  http://127.0.0.1:8081/app1/
  second service (single sign-on):      http://127.0.0.1:8081/app2/
  staff-only service:                   http://127.0.0.1:8081/staff/
  a PHP service with phpCAS:            http://127.0.0.1:8081/php/
  Sesame:                               https://127.0.0.1:8443/login   (self-signed certificate)
  metrics:                              https://127.0.0.1:8443/metrics

  Logins (password: demo)
    Personnel de l'Éducation nationale   prof.herriot (National_ENS)   dir.herriot (National_DIR)
    Agent de la commune                  agent.mairie (National_COL)
    Partenaire périscolaire              anim.periscolaire
    Élève ou parent                      eleve.herriot (National_ELV)  parent.herriot (National_TUT)

  Logs: $var/sesame.log (JSON lines), $var/apache/logs/. Stop with Ctrl-C.
MSG
wait -n "${pids[@]}"
echo "sesame demo: a process ended; see the logs in $var" >&2
exit 1
