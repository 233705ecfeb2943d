#!/bin/sh
# Installs what the test suite needs and a fresh Debian machine lacks, then returns. Run by `npm test`
# (pretest) and therefore by CI; safe to run again: it only acts on what is missing.
#   - npm dependencies (npm ci) when node_modules is absent
#   - the system openssl, the interop peer for certificates and CRLs
#   - curl and Mosquitto (broker and clients), the interop peers for EST and for devices using their certificates
#   - promtool (Debian's prometheus package), which checks the /metrics exposition
#   - certbot and lego, the ACME clients of the interop tests, and pebble (with pebble-challtestsrv), the reference
#     ACME server of bench/acme
#   - chromium (Debian's package, /usr/bin/chromium), the browser the dashboard's tests drive (playwright-core
#     brings none of its own)
#   - a PostgreSQL server on 127.0.0.1:5432 with a database `test` and trust authentication for loopback,
#     unless one is already reachable (CI machines have one; PGHOST/PGPORT point elsewhere)
set -eu
cd "$(dirname "$0")/.."

say() { printf 'ensure-test-deps: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; return 1
  fi
}

apt_install() {
  say "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -d node_modules ]; then
  say "node_modules missing: npm ci"
  npm ci
fi

command -v openssl >/dev/null 2>&1 || apt_install openssl
command -v curl >/dev/null 2>&1 || apt_install curl
# The broker lives in /usr/sbin, which is not on a Debian user's PATH.
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto
command -v mosquitto_pub >/dev/null 2>&1 || apt_install mosquitto-clients
# promtool (from the prometheus package) checks the /metrics exposition.
command -v promtool >/dev/null 2>&1 || apt_install prometheus
# ACME interop peers (test/interop/acme-*.test.ts) and the bench's reference server.
command -v certbot >/dev/null 2>&1 || apt_install certbot
command -v lego >/dev/null 2>&1 || apt_install lego
command -v pebble >/dev/null 2>&1 || apt_install pebble
# The dashboard's browser tests (test/e2e) drive it, unless CHROMIUM_PATH names another browser.
[ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || apt_install chromium

pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
postgres_reachable() {
  node -e "
    const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
    s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));
    setTimeout(() => process.exit(1), 2000);" "$pg_host" "$pg_port"
}

if ! postgres_reachable; then
  if [ "$pg_host" != 127.0.0.1 ] || [ "$pg_port" != 5432 ]; then
    say "PostgreSQL at $pg_host:$pg_port is unreachable; start it or unset PGHOST/PGPORT"
    exit 1
  fi
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
  version=$(ls /etc/postgresql | sort -n | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! as_root grep -q '^# certfleet tests' "$hba"; then
    say "allowing trust authentication on loopback for the test database ($hba)"
    as_root sh -c "printf '%s\n' '# certfleet tests: trust on loopback' 'host all all 127.0.0.1/32 trust' 'host all all ::1/128 trust' | cat - '$hba' > '$hba.new' && mv '$hba.new' '$hba' && chown postgres:postgres '$hba'"
  fi
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || as_root pg_ctlcluster "$version" main reload
  for _ in 1 2 3 4 5 6 7 8 9 10; do postgres_reachable && break; sleep 1; done
  postgres_reachable || { say "PostgreSQL did not come up"; exit 1; }
fi

if command -v psql >/dev/null 2>&1; then
  if ! psql -h "$pg_host" -p "$pg_port" -U "${PGUSER:-postgres}" -d postgres -tAc "select 1 from pg_database where datname = '${PGDATABASE:-test}'" 2>/dev/null | grep -q 1; then
    say "creating database ${PGDATABASE:-test}"
    psql -h "$pg_host" -p "$pg_port" -U "${PGUSER:-postgres}" -d postgres -c "create database \"${PGDATABASE:-test}\"" >/dev/null
  fi
fi
