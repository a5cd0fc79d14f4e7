#!/usr/bin/env bash
# Installs the system tools the tests use: Debian's `prometheus` package (the real `prometheus` server and `promtool`).
# Safe to run again; does nothing when they are already there.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "setup: prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') and promtool already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get here; install Prometheus (>= 2.42, with promtool) with your package manager and put it on PATH" >&2
  exit 1
fi
echo "setup: installing Debian package prometheus (server + promtool) ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package starts a system service on :9090 where an init system runs; the tests start their own on free ports.
$SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
echo "setup: $(prometheus --version 2>&1 | head -1)"
