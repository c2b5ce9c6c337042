#!/usr/bin/env bash
# Renders httpd.conf.in into a self-contained Apache server root for the demo ENT services.
#
#   etc/demo/apache/render.sh --root DIR --port PORT --cas-base-url URL \
#       [--validation p3|cas2|saml] [--ca-file PEM] [--timeout S] [--idle-timeout S] [--debug]
#       [--mellon SPDIR] [--openidc METADATA_URL]
#
# Creates DIR/{httpd.conf,logs,run,cas-cache,cas-ca.pem,cgi/whoami.cgi,ping.txt,conf.d} and, for
# the phpCAS service at /php/, DIR/{phpcas/index.php,php-sessions,phpcas-salt}; prints
# DIR/httpd.conf. --mellon: also the SAML service provider at /saml-app/ (mod_auth_mellon), from
# SPDIR/{sp.key,sp.cert,sp.xml} (mellon_create_metadata's key, certificate and metadata) and
# SPDIR/idp.xml (Sesame's /saml/metadata): DIR/{conf.d/saml-app.conf,mellon/,saml-app/index.php}.
# --openidc: also the OpenID Connect relying party at /oidc-app/ (mod_auth_openidc, the demo
# client demo-oidc-app), whose provider's discovery document is at METADATA_URL (its certificate
# checked against --ca-file): DIR/{conf.d/oidc-app.conf,oidc-app/index.php,openidc-passphrase}.
# Then: /usr/sbin/apache2 -f DIR/httpd.conf -DFOREGROUND   (stop it with SIGTERM to its PID)
# The C++ test launcher (test/support ApacheCasService) calls this same script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="" port="" cas="" validation="p3" ca="/etc/ssl/certs/ca-certificates.crt"
timeout=7200 idle=3600 debug=Off loglevel=warn
modules="${SESAME_APACHE_MODULES_DIR:-/usr/lib/apache2/modules}"

mellon="" openidc=""
usage() { sed -n '2,16p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --cas-base-url) cas="${2%/}"; shift 2 ;;
    --validation) validation="$2"; shift 2 ;;
    --ca-file) ca="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --idle-timeout) idle="$2"; shift 2 ;;
    --debug) debug=On; loglevel=debug; shift ;;
    --mellon) mellon="$2"; shift 2 ;;
    --openidc) openidc="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$root" ] && [ -n "$port" ] && [ -n "$cas" ] || usage
case "$port" in *[!0-9]*) echo "render.sh: --port must be a number" >&2; exit 2 ;; esac
[ -f "$ca" ] || { echo "render.sh: CA file '$ca' does not exist (CASCertificatePath)" >&2; exit 2; }
[ -f "$modules/mod_auth_cas.so" ] || {
  echo "render.sh: $modules/mod_auth_cas.so missing: install libapache2-mod-auth-cas (scripts/install-deps.sh)" >&2
  exit 2
}

# Which URL validates a ticket, and how (README.md: all three give attributes in mod_auth_cas 1.2).
case "$validation" in
  p3) validate_url="$cas/p3/serviceValidate" saml=Off ;;
  cas2) validate_url="$cas/serviceValidate" saml=Off ;;
  saml) validate_url="$cas/samlValidate" saml=On ;;
  *) echo "render.sh: --validation must be p3, cas2 or saml" >&2; exit 2 ;;
esac

mkdir -p "$root"/logs "$root"/run "$root"/cas-cache "$root"/cgi "$root"/phpcas "$root"/php-sessions \
  "$root"/conf.d
root="$(cd "$root" && pwd)"
rm -f "$root/conf.d/saml-app.conf" "$root/conf.d/oidc-app.conf"
cp "$here/whoami.cgi" "$root/cgi/whoami.cgi"
cp "$here/phpcas/index.php" "$root/phpcas/index.php"
chmod 0755 "$root" "$root/cgi" "$root/cgi/whoami.cgi" "$root/phpcas"
chmod 0644 "$root/phpcas/index.php"
# mod_php, when installed (libapache2-mod-php): the /php/ location exists only if it loads.
php_module="$(ls "$modules"/libphp*.so 2>/dev/null | sort | tail -n 1 || true)"
[ -n "$php_module" ] || php_module="$modules/libphp-not-installed.so"
# phpCAS names a session sha256(salt + ticket) (CAS_Client::_sessionIdForTicket): without a
# secret salt, anyone who learns a used ticket (access log, browser history, Referer) can compute
# the session cookie. One random salt per server root, kept across renders.
if [ ! -s "$root/phpcas-salt" ]; then
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$root/phpcas-salt")
fi
phpcas_debug=""
[ "$debug" = On ] && phpcas_debug="$root/logs/phpcas.log"
touch "$root/logs/php_error.log" "$root/logs/phpcas.log"
echo ok >"$root/ping.txt"
# mod_auth_cas reads the CA file in Apache's children (www-data when started as root): keep a
# world-readable copy inside the server root.
if [ "$(cd "$(dirname "$ca")" && pwd)/$(basename "$ca")" != "$root/cas-ca.pem" ]; then
  cp "$ca" "$root/cas-ca.pem"
fi
chmod 0644 "$root/cas-ca.pem"
chmod 0644 "$root/ping.txt"

# Apache refuses to serve as root: its children then run as www-data, which must be able to write
# the mod_auth_cas cache and read the CGI.
run_as=""
if [ "$(id -u)" = 0 ]; then
  user=www-data
  id "$user" >/dev/null 2>&1 || user=nobody
  group="$(id -gn "$user")"
  run_as="User $user
Group $group"
  chown "$user:$group" "$root/cas-cache" "$root/php-sessions" "$root/phpcas-salt" \
    "$root/logs/php_error.log" "$root/logs/phpcas.log"
fi
chmod 0700 "$root/cas-cache" "$root/php-sessions"
chmod 0400 "$root/phpcas-salt"

escape() { printf '%s' "$1" | sed -e 's/[\/&|]/\\&/g'; }
render() {  # render <template>: every placeholder replaced
  sed -e "s|@SERVER_ROOT@|$(escape "$root")|g" \
      -e "s|@PORT@|$port|g" \
      -e "s|@MODULES_DIR@|$(escape "$modules")|g" \
      -e "s|@CAS_BASE_URL@|$(escape "$cas")|g" \
      -e "s|@CAS_VALIDATE_URL@|$(escape "$validate_url")|g" \
      -e "s|@CAS_VALIDATE_SAML@|$saml|g" \
      -e "s|@CAS_CA_FILE@|$(escape "$root/cas-ca.pem")|g" \
      -e "s|@CAS_TIMEOUT@|$timeout|g" \
      -e "s|@CAS_IDLE_TIMEOUT@|$idle|g" \
      -e "s|@CAS_DEBUG@|$debug|g" \
      -e "s|@LOG_LEVEL@|$loglevel|g" \
      -e "s|@PHP_MODULE@|$(escape "$php_module")|g" \
      -e "s|@PHPCAS_DEBUG@|$(escape "$phpcas_debug")|g" "$1"
}
render "$here/httpd.conf.in" >"$root/httpd.conf.tmp"
# @RUN_AS@ may be two lines: substitute it with awk rather than sed.
awk -v run_as="$run_as" '{ if ($0 == "@RUN_AS@") print run_as; else print }' \
  "$root/httpd.conf.tmp" >"$root/httpd.conf"
rm -f "$root/httpd.conf.tmp"

# The SAML service provider at /saml-app/: mod_auth_mellon and its page under mod_php. Lasso
# reads the SP's files in Apache's children (www-data when started as root): copies inside the
# server root, the key given to them alone.
if [ -n "$mellon" ]; then
  for f in sp.key sp.cert sp.xml idp.xml; do
    [ -f "$mellon/$f" ] || { echo "render.sh: --mellon: '$mellon/$f' does not exist" >&2; exit 2; }
  done
  [ -f "$modules/mod_auth_mellon.so" ] || {
    echo "render.sh: $modules/mod_auth_mellon.so missing: install libapache2-mod-auth-mellon (scripts/install-deps.sh)" >&2
    exit 2
  }
  [ -f "$php_module" ] || {
    echo "render.sh: --mellon: the page at /saml-app/ needs mod_php: install libapache2-mod-php (scripts/install-deps.sh)" >&2
    exit 2
  }
  mkdir -p "$root/mellon" "$root/saml-app"
  cp "$mellon/sp.key" "$mellon/sp.cert" "$mellon/sp.xml" "$mellon/idp.xml" "$root/mellon/"
  cp "$here/saml-app/index.php" "$root/saml-app/index.php"
  chmod 0755 "$root/mellon" "$root/saml-app"
  chmod 0644 "$root/mellon/sp.cert" "$root/mellon/sp.xml" "$root/mellon/idp.xml" \
    "$root/saml-app/index.php"
  chmod 0400 "$root/mellon/sp.key"
  [ -n "$run_as" ] && chown "$user:$group" "$root/mellon/sp.key"
  render "$here/saml-app.conf.in" >"$root/conf.d/saml-app.conf"
fi

# The OpenID Connect relying party at /oidc-app/: mod_auth_openidc and its page under mod_php.
# Its passphrase encrypts its state cookie and session cache: random, kept across renders.
if [ -n "$openidc" ]; then
  [ -f "$modules/mod_auth_openidc.so" ] || {
    echo "render.sh: $modules/mod_auth_openidc.so missing: install libapache2-mod-auth-openidc (scripts/install-deps.sh)" >&2
    exit 2
  }
  [ -f "$php_module" ] || {
    echo "render.sh: --openidc: the page at /oidc-app/ needs mod_php: install libapache2-mod-php (scripts/install-deps.sh)" >&2
    exit 2
  }
  if [ ! -s "$root/openidc-passphrase" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$root/openidc-passphrase")
  fi
  mkdir -p "$root/oidc-app"
  cp "$here/oidc-app/index.php" "$root/oidc-app/index.php"
  chmod 0755 "$root/oidc-app"
  chmod 0644 "$root/oidc-app/index.php"
  render "$here/oidc-app.conf.in" |
    sed -e "s|@OIDC_METADATA_URL@|$(escape "$openidc")|g" \
        -e "s|@OIDC_PASSPHRASE@|$(cat "$root/openidc-passphrase")|g" >"$root/conf.d/oidc-app.conf"
  chmod 0600 "$root/conf.d/oidc-app.conf"
fi
echo "$root/httpd.conf"
