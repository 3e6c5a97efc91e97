#!/usr/bin/env bash
# Installs what this project needs from Debian and PyPI on a Debian 12 machine, only if missing.
# Safe to run again: a second run checks and installs nothing.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in postgresql-15 postgresql-15-postgis-3 redis-server libgdal32 libgeos-c1v5 libproj25 gdal-bin chromium; do
  have_pkg "$pkg" || need+=("$pkg")
done

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${need[*]}. Run as root, or: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${need[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "Installing uv"
  python3 -m pip install --quiet uv
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js and npm are needed for the front-end build; install them (apt-get install nodejs npm)." >&2
  exit 1
fi
