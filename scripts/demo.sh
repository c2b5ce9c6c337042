#!/usr/bin/env bash
# The Sesame demo on one machine: installs what is missing, builds, then starts on loopback
#   - redis-server            127.0.0.1:6380
#   - slapd                   ldap://127.0.0.1:3389  (academic, commune and ENT demo directories)
#   - Sesame                  https://127.0.0.1:8443 (self-signed certificate made here)
#   - a demo ENT service      http://127.0.0.1:8081/app1/ (Apache httpd + mod_auth_cas), plus
#                             /app2/ (a second service: SSO), /staff/ (staff only) and
#                             /php/ (a PHP application using phpCAS)
#   - a demo SAML service     http://127.0.0.1:8081/saml-app/ (the same Apache + mod_auth_mellon):
#                             its key and metadata made here in var/demo/mellon, the metadata
#                             dropped into etc/demo/saml-sp/ for Sesame before it starts, and
#                             Sesame's /saml/metadata fetched for Mellon once Sesame is ready
#   - a demo OIDC service     http://127.0.0.1:8081/oidc-app/ (the same Apache + mod_auth_openidc),
#                             the client demo-oidc-app of etc/services/demo-oidc.yml, reading
#                             Sesame's https://127.0.0.1:8443/oidc/.well-known/openid-configuration
# and prints the URLs and the demo logins. Ctrl-C (or SIGTERM) stops everything it started.
# Data and logs: var/demo/ (removed and made anew at each start).
# SESAME_BINARY=<path of a built sesame>: neither install nor build (the tests use it).
#
# scripts/demo.sh --ha: the reference deployment (docs/operations.md) on loopback, with the same
# accounts and services:
#   - Redis master 127.0.0.1:6380, replica 127.0.0.1:6381, three redis-sentinel 26379-26381
#   - two Sesame nodes in plain HTTP on 127.0.0.1:8001 and 8002, reaching Redis through Sentinel
#   - HAProxy (etc/haproxy/sesame.cfg) on https://127.0.0.1:8443, its stats on 127.0.0.1:8404
# Killing a node or a Redis does not stop the demo: that is what the shape is for.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ha=0
case "${1:-}" in
  --ha) ha=1 ;;
  "") ;;
  *) echo "usage: scripts/demo.sh [--ha]" >&2; exit 2 ;;
esac
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
ports=(6380 3389 8443 8081)
[ "$ha" = 1 ] && ports+=(6381 26379 26380 26381 8001 8002 8404)
for port in "${ports[@]}"; do
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

# The demo SAML service provider (/saml-app/, mod_auth_mellon): a key, certificate and metadata of
# its own made at each start (var/demo/mellon, never in git), its metadata copied, before Sesame
# starts, where the demo registry reads SP metadata (etc/services/demo-saml.yml) as
# etc/demo/saml-sp/demo-saml-app.xml (in .gitignore: generated).
saml_sp=http://127.0.0.1:8081/saml-app/mellon
prepare_saml_sp() {
  mkdir -p "$var/mellon"
  (cd "$var/mellon" && PATH=$PATH:/usr/sbin mellon_create_metadata "$saml_sp/metadata" "$saml_sp" \
    >/dev/null)
  # Its files are named after the entityID: fixed names for render.sh --mellon.
  mv "$var/mellon"/*.key "$var/mellon/sp.key"
  mv "$var/mellon"/*.cert "$var/mellon/sp.cert"
  mv "$var/mellon"/*.xml "$var/mellon/sp.xml"
  cp "$var/mellon/sp.xml" etc/demo/saml-sp/demo-saml-app.xml
}
# Once Sesame answers: its IdP metadata, for Mellon.
fetch_idp_metadata() {
  curl -sf --cacert "$var/tls/sesame.crt" -o "$var/mellon/idp.xml" \
    https://127.0.0.1:8443/saml/metadata || {
    echo "sesame demo: no SAML metadata at https://127.0.0.1:8443/saml/metadata (logs: $var)" >&2
    exit 1
  }
}

start_apache() {  # the demo ENT services, sending people to Sesame at https://127.0.0.1:8443
  local conf
  fetch_idp_metadata
  conf=$(bash etc/demo/apache/render.sh --root "$var/apache" --port 8081 \
    --cas-base-url https://127.0.0.1:8443/cas --validation p3 --ca-file "$var/tls/sesame.crt" \
    --mellon "$var/mellon" --openidc https://127.0.0.1:8443/oidc/.well-known/openid-configuration)
  spawn /usr/sbin/apache2 -f "$conf" -DFOREGROUND 2>"$var/apache-stderr.log"
  wait_for "Apache httpd" 10 curl -sf http://127.0.0.1:8081/ping
}

print_logins() {
  cat <<MSG
  Logins (password: demo)
    Personnel de l'Éducation nationale   prof.herriot (National_ENS)   dir.herriot (National_DIR)
    Agent de la commune                  agent.mairie (National_COL)
    Partenaire périscolaire              anim.periscolaire
    Élève ou parent                      eleve.herriot (National_ELV)  parent.herriot (National_TUT)
MSG
}

# --- --ha: the reference deployment on loopback ---------------------------------------------
# The nodes' redis: section, through Sentinel: they follow a failover without a restart.
ha_redis_section() {
  cat <<'YAML'
redis:                          # gateway/session: the sentinels say which Redis is the master
  sentinel:
    master_name: sesame
    addresses: [127.0.0.1:26379, 127.0.0.1:26380, 127.0.0.1:26381]
YAML
  printf '  database: 0\n  timeout: 2s\n  key_prefix: "sesame:"\n'
}

# node_config <n>: var/demo/node<n>.yml, etc/sesame.yml with the server: section of a node behind
# HAProxy, the redis: section above, a saml: section naming the keys of etc/saml/ and the oidc:
# section naming those of etc/oidc/; relative paths made absolute (the file is not in etc/).
node_config() {
  local n=$1
  {
    cat <<YAML
# Sesame node $n of scripts/demo.sh --ha, made from etc/sesame.yml at each start.
server:                         # gateway/http: behind HAProxy (etc/haproxy/sesame.cfg), which ends TLS
  listen: 127.0.0.1:800$n
  public_url: https://127.0.0.1:8443
  threads: 1
  trusted_proxies: [127.0.0.1]  # HAProxy's address: only it may say who the client is
YAML
    ha_redis_section
    # One IdP behind HAProxy: both nodes sign with one key pair and compute persistent NameIDs
    # with one secret, the single-node demo's (made by the first check-config that needs them).
    cat <<YAML
saml:                           # protocols/saml
  signing_key: "$root/etc/saml/idp-signing.key"
  signing_certificate: "$root/etc/saml/idp-signing.crt"
  encryption_key: "$root/etc/saml/idp-encryption.key"
  encryption_certificate: "$root/etc/saml/idp-encryption.crt"
  name_id_secret: "$root/etc/saml/name-id.secret"
YAML
    awk -v etc="$root/etc" -v var="$var" '
      /^[a-z_]+:/ { skip = ($1 == "server:" || $1 == "redis:" || $1 == "saml:") }
      skip { next }
      # One OIDC provider behind HAProxy: both nodes sign with the keys of etc/oidc/ and derive
      # pairwise subjects and sid with its one secret, as the single-node demo.
      /^oidc:/ { print; print "  subject_secret: \"" etc "/oidc/subject.secret\""; next }
      /^  keys: oidc\// { sub(/keys: oidc\//, "keys: \"" etc "/oidc/"); sub(/ *#.*$/, ""); print $0 "\""; next }
      {
        gsub(/\.\.\/var\/demo\//, var "/")
        sub(/ demo\//, " " etc "/demo/")
        sub(/^services_dir: services/, "services_dir: " etc "/services")
        print
      }' etc/sesame.yml
  } >"$var/node$n.yml"
}

replica_synced() { redis-cli -p 6381 info replication | grep -q '^master_link_status:up'; }
sentinels_agree() { redis-cli -p "$1" sentinel ckquorum sesame | grep -q '^OK'; }

run_ha() {
  local port dir n
  declare -A names
  # Redis: a master and its replica; replication is asynchronous (docs/operations.md says what a
  # failover may lose). Three sentinels, two of which must agree that the master is down.
  mkdir -p "$var/redis-replica" "$var/haproxy"
  spawn redis-server --port 6380 --bind 127.0.0.1 --save '' --appendonly no --dir "$var/redis" \
    >"$var/redis/redis.log" 2>&1
  names[${pids[-1]}]="Redis 127.0.0.1:6380"
  local master=${pids[-1]}
  spawn redis-server --port 6381 --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$var/redis-replica" --replicaof 127.0.0.1 6380 >"$var/redis-replica/redis.log" 2>&1
  names[${pids[-1]}]="Redis 127.0.0.1:6381"
  wait_for "redis-server 6380" 10 redis-cli -p 6380 ping
  wait_for "the Redis replica" 10 replica_synced
  for port in 26379 26380 26381; do
    dir=$var/sentinel-$port
    mkdir -p "$dir"
    cat >"$dir/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
dir $dir
sentinel monitor sesame 127.0.0.1 6380 2
sentinel down-after-milliseconds sesame 2000
sentinel failover-timeout sesame 10000
sentinel parallel-syncs sesame 1
CONF
    spawn redis-sentinel "$dir/sentinel.conf" >"$dir/sentinel.log" 2>&1
    names[${pids[-1]}]="redis-sentinel $port"
  done
  for port in 26379 26380 26381; do wait_for "redis-sentinel $port" 20 sentinels_agree "$port"; done

  bash scripts/slapd.sh start "$var/slapd" 3389 >/dev/null

  for n in 1 2; do
    node_config "$n"
    "$sesame" check-config -c "$var/node$n.yml" >/dev/null
    spawn "$sesame" serve -c "$var/node$n.yml" 2>"$var/node$n.log"
    names[${pids[-1]}]="Sesame node $n"
  done
  for n in 1 2; do wait_for "Sesame node $n" 15 curl -sf "http://127.0.0.1:800$n/readyz"; done
  local node1=${pids[-2]} node2=${pids[-1]}

  # HAProxy with the reference configuration, after a global section of the demo's own (logs on
  # stdout) and before a stats page that shows the nodes going down and up.
  (umask 077 && cat "$var/tls/sesame.crt" "$var/tls/sesame.key" >"$var/haproxy/sesame.pem")
  printf 'global\n  log stdout format raw local0 info\n' >"$var/haproxy/global.cfg"
  printf 'frontend stats\n  bind 127.0.0.1:8404\n  stats enable\n  stats uri /stats\n  stats refresh 2s\n' \
    >"$var/haproxy/stats.cfg"
  spawn env SESAME_PUBLIC_BIND=127.0.0.1:8443 SESAME_TLS_PEM="$var/haproxy/sesame.pem" \
    SESAME_NODE1=127.0.0.1:8001 SESAME_NODE2=127.0.0.1:8002 \
    haproxy -db -f "$var/haproxy/global.cfg" -f etc/haproxy/sesame.cfg -f "$var/haproxy/stats.cfg" \
    >"$var/haproxy/haproxy.log" 2>&1
  local haproxy=${pids[-1]}
  names[$haproxy]=HAProxy
  wait_for HAProxy 10 curl -sfk https://127.0.0.1:8443/readyz

  start_apache
  local apache=${pids[-1]}
  names[$apache]="Apache httpd"

  cat <<MSG

  Sesame demo (two nodes behind HAProxy, Redis with Sentinel) is running.

  ENT service (Apache + mod_auth_cas):  http://127.0.0.1:8081/app1/
  second service (single sign-on):      http://127.0.0.1:8081/app2/
  staff-only service:                   http://127.0.0.1:8081/staff/
  a PHP service with phpCAS:            http://127.0.0.1:8081/php/
  a SAML service (mod_auth_mellon):     http://127.0.0.1:8081/saml-app/
  an OIDC service (mod_auth_openidc):   http://127.0.0.1:8081/oidc-app/
  OpenID Connect discovery:             https://127.0.0.1:8443/oidc/.well-known/openid-configuration
  Sesame, through HAProxy:              https://127.0.0.1:8443/login   (self-signed certificate)
  HAProxy's view of the nodes:          http://127.0.0.1:8404/stats

  Break something, the demo goes on:
    a Sesame node         kill -9 $node1   (node 1)   or   kill -9 $node2   (node 2)
    the Redis master      kill $master   (the sentinels promote the replica)

$(print_logins)

  Logs: $var/node1.log and node2.log (JSON lines), $var/haproxy/haproxy.log,
  $var/sentinel-*/, $var/apache/logs/. Stop with Ctrl-C.
MSG

  # A node, a Redis or a sentinel may die: said, and the demo goes on. HAProxy and Apache have
  # no second: without them there is no demo.
  # Each end is found by looking at every server (kill -0) before and after each wait: bash
  # forgets a job that ended before `wait` was called, so waiting for PIDs alone would miss it.
  local live=("${pids[@]}") pid rest status
  while :; do
    rest=()
    for pid in "${live[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then rest+=("$pid"); continue; fi
      if [ "$pid" = "$haproxy" ] || [ "$pid" = "$apache" ]; then
        echo "sesame demo: ${names[$pid]} ended; see the logs in $var" >&2
        return
      fi
      echo "sesame demo: ${names[$pid]} (pid $pid) ended; the demo goes on without it" >&2
    done
    live=("${rest[@]}")
    status=0
    wait -n || status=$?
    [ "$status" != 127 ] || return  # no child left to wait for
  done
}

# The demo's secrets: git keeps no file mode but the executable bit (a clone has them 0644),
# and check-config refuses secrets that others can read.
chmod 600 etc/demo/ldap/sesame.password etc/demo/partners.yml
prepare_saml_sp

if [ "$ha" = 1 ]; then
  run_ha
  exit 1
fi

spawn redis-server --port 6380 --bind 127.0.0.1 --save '' --appendonly no --dir "$var/redis" \
  >"$var/redis/redis.log" 2>&1
wait_for redis-server 10 redis-cli -p 6380 ping

bash scripts/slapd.sh start "$var/slapd" 3389 >/dev/null

"$sesame" check-config -c etc/sesame.yml
spawn "$sesame" serve -c etc/sesame.yml 2>"$var/sesame.log"
wait_for Sesame 10 curl -sfk https://127.0.0.1:8443/readyz

start_apache

cat <<MSG

  Sesame demo is running.

  ENT service (Apache + mod_auth_cas):  http://127.0.0.1:8081/app1/
  second service (single sign-on):      http://127.0.0.1:8081/app2/
  staff-only service:                   http://127.0.0.1:8081/staff/
  a PHP service with phpCAS:            http://127.0.0.1:8081/php/
  a SAML service (mod_auth_mellon):     http://127.0.0.1:8081/saml-app/
  an OIDC service (mod_auth_openidc):   http://127.0.0.1:8081/oidc-app/
  OpenID Connect discovery:             https://127.0.0.1:8443/oidc/.well-known/openid-configuration
  Sesame:                               https://127.0.0.1:8443/login   (self-signed certificate)
  metrics:                              https://127.0.0.1:8443/metrics

$(print_logins)

  Logs: $var/sesame.log (JSON lines), $var/apache/logs/. Stop with Ctrl-C.
MSG
wait -n "${pids[@]}"
echo "sesame demo: a process ended; see the logs in $var" >&2
exit 1
