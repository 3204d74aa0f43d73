#!/usr/bin/env bash
# Installs the Debian packages ScriptMesh builds and tests with, and only the
# ones that are missing, so a second run costs a dpkg query and nothing more.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config make git
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3
  libsodium-dev libssl-dev
  libfmt-dev libcli11-dev doctest-dev libhowardhinnant-date-dev tzdata
  ca-certificates curl
  # Independent implementations the interop tests compare against.
  python3 python3-cryptography python3-jwt
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
