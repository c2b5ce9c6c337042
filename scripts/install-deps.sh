#!/usr/bin/env bash
# Installs, with apt-get, every Debian package Sesame needs to build, test and run its demo.
# Idempotent: packages already present are skipped, so a second run costs a second.
# Why each package is here: docs/dependencies.md.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev libhiredis-dev libldap2-dev libsasl2-dev
  libxml2-dev libxmlsec1-dev zlib1g-dev libcjose-dev liboauth2-dev libjansson-dev
  libargon2-dev libyaml-cpp-dev libjemalloc-dev libre2-dev libicu-dev catch2
  clang libclang-rt-14-dev llvm
)
RUNTIME_PKGS=(
  redis-server redis-sentinel redis-tools haproxy slapd ldap-utils openssl curl ca-certificates procps iproute2
  apache2 libapache2-mod-auth-cas libapache2-mod-auth-mellon libapache2-mod-shib xmlsec1
  libapache2-mod-auth-openidc
  opensaml-schemas xmltooling-schemas
  chromium chromium-driver
  libapache2-mod-php php-cas php-xml php-curl
  python3-authlib
  python3-requests
)
BENCH_PKGS=(wrk)

missing=()
for p in "${BUILD_PKGS[@]}" "${RUNTIME_PKGS[@]}" "${BENCH_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "sesame: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Services installed here must not start on their default ports: the demo and the tests start
# their own instances on loopback. policy-rc.d tells invoke-rc.d not to start anything.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
