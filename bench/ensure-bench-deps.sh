#!/bin/sh
# Installs what the benches need beyond the test suite's dependencies (scripts/ensure-test-deps.sh), then
# returns. Run by bench/monitor.ts before it starts; safe to run again: it only acts on what is missing.
#   - prometheus-blackbox-exporter (Debian package), the reference that bench/monitor probes the same
#     endpoints with in the same run; the binary is /usr/bin/prometheus-blackbox-exporter
set -eu
cd "$(dirname "$0")/.."

say() { printf 'ensure-bench-deps: %s\n' "$*"; }

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

ensure_blackbox_exporter() {
  [ -x /usr/bin/prometheus-blackbox-exporter ] && return 0
  apt_install prometheus-blackbox-exporter
  # The package starts a system service on :9115; the bench starts its own on a free port and needs no other.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus-blackbox-exporter 2>/dev/null; then
    as_root systemctl stop prometheus-blackbox-exporter || true
  fi
}

ensure_blackbox_exporter
