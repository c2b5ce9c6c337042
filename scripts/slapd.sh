#!/usr/bin/env bash
# The demo directories (etc/demo/ldap) on one real slapd, in a data folder of its own, listening
# on loopback only. Used by the demo and by the [ldap] integration tests.
#
#   scripts/slapd.sh start <dir> <port>   fresh data in <dir> (created, or one made by this
#                                          script: anything else is refused), slapd on
#                                          ldap://127.0.0.1:<port>/; returns once a search as the
#                                          service account succeeds, and prints the PID file path
#   scripts/slapd.sh stop <dir>           stops the slapd started from <dir> (by its PID file)
#
# Nothing under /etc/ldap is read or written: slapd gets -f <dir>/slapd.conf, the schema files
# of etc/demo/ldap/schema and databases in <dir>. slapd's log is <dir>/slapd.log.
# With SLAPD_TLS_CERT and SLAPD_TLS_KEY (PEM files), the listener also offers StartTLS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo=$root/etc/demo/ldap
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
SLAPPASSWD=${SLAPPASSWD:-/usr/sbin/slappasswd}
MODULES=${SLAPD_MODULES:-/usr/lib/ldap}
DATABASES=(ac-demo mairie-demo ent-demo)
MARKER=.sesame-slapd
READY_SECONDS=${SLAPD_READY_SECONDS:-15}

usage() {
  sed -n '5,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() { echo "slapd.sh: $*" >&2; exit 1; }

# The PID in <dir>/slapd.pid, if that process is a slapd started on <dir>/slapd.conf (a PID
# file left by a crash may name a process that has nothing to do with us).
running_pid() {
  local dir=$1 pid
  [ -f "$dir/slapd.pid" ] || return 1
  pid=$(cat "$dir/slapd.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/slapd.conf" || return 1
  echo "$pid"
}

stop() {
  local dir pid deadline
  dir=$(cd "$1" 2>/dev/null && pwd) || return 0
  if pid=$(running_pid "$dir"); then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "slapd.sh: slapd $pid did not stop in 10s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.05
    done
  fi
  rm -f "$dir/slapd.pid"
}

start() {
  local dir=$1 port=$2 pid hash deadline db
  if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "port must be a number from 1 to 65535, got '$port'"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ ! -e "$dir/$MARKER" ] && [ -n "$(ls -A "$dir")" ]; then
    die "$dir is not empty and was not made by slapd.sh: refusing to replace its content"
  fi
  stop "$dir"
  rm -rf "${DATABASES[@]/#/$dir/}" "$dir/ldif" "$dir/slapd.conf" "$dir/slapd.log" \
    "$dir/slapd.args" "$dir/service.password" "$dir/tls.conf"
  touch "$dir/$MARKER"

  # The service password without a trailing newline: slappasswd -T and ldapsearch -y read the
  # whole file, and Sesame strips the newline of bind_password_file.
  printf '%s' "$(cat "$demo/sesame.password")" >"$dir/service.password"
  chmod 600 "$dir/service.password"
  hash=$("$SLAPPASSWD" -h '{SSHA}' -T "$dir/service.password")

  if [ -n "${SLAPD_TLS_CERT:-}" ]; then
    if [ ! -r "$SLAPD_TLS_CERT" ] || [ ! -r "${SLAPD_TLS_KEY:-}" ]; then
      die "SLAPD_TLS_CERT and SLAPD_TLS_KEY must name readable PEM files"
    fi
    printf 'TLSCertificateFile %s\nTLSCertificateKeyFile %s\n' "$SLAPD_TLS_CERT" \
      "$SLAPD_TLS_KEY" >"$dir/tls.conf"
  else
    : >"$dir/tls.conf"
  fi
  sed -e "s|@DATA@|$dir|g" -e "s|@SCHEMA@|$demo/schema|g" -e "s|@MODULES@|$MODULES|g" \
    "$demo/slapd.conf.in" >"$dir/slapd.conf"
  mkdir -p "$dir/ldif" "${DATABASES[@]/#/$dir/}"
  for db in "${DATABASES[@]}"; do
    sed -e "s|@SESAME_PASSWORD_HASH@|$hash|" "$demo/$db.ldif" >"$dir/ldif/$db.ldif"
    "$SLAPADD" -q -f "$dir/slapd.conf" -b "dc=$db,dc=fr" -l "$dir/ldif/$db.ldif" ||
      die "slapadd of $db failed"
  done

  # -d keeps slapd in the foreground with its log on stderr; setsid detaches it from us.
  setsid "$SLAPD" -h "ldap://127.0.0.1:$port/" -f "$dir/slapd.conf" -d stats \
    </dev/null >"$dir/slapd.log" 2>&1 &
  pid=$!

  # Ready means: our slapd wrote its PID file (it does so once its listener is bound, so that a
  # server already on this port is not mistaken for ours) and a search as the service account
  # answers. Bounded, no fixed sleep.
  deadline=$((SECONDS + READY_SECONDS))
  until [ -s "$dir/slapd.pid" ] && ldapsearch -x -LLL -o nettimeout=1 -l 2 -H "ldap://127.0.0.1:$port/" \
    -D "cn=sesame,dc=ac-demo,dc=fr" -y "$dir/service.password" \
    -b "dc=ac-demo,dc=fr" -s base dn >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$dir/slapd.log" >&2
      die "slapd exited before it was ready (log: $dir/slapd.log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$dir/slapd.log" >&2
      stop "$dir"
      die "slapd not ready on port $port after ${READY_SECONDS}s (log: $dir/slapd.log)"
    fi
    sleep 0.05
  done
  [ "$(cat "$dir/slapd.pid")" = "$pid" ] || die "$dir/slapd.pid does not name the slapd started"
  echo "$dir/slapd.pid"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
