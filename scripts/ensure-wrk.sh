#!/usr/bin/env bash
# `make bench` loads pages with wrk from Debian; install it when missing (as root).
set -euo pipefail
if command -v wrk >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's wrk for the benchmark..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  exit 0
fi
echo "The benchmark needs wrk, the HTTP load generator." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install wrk), then run make bench again." >&2
exit 1
