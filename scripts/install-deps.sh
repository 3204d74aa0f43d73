#!/usr/bin/env bash
# Installs the Debian packages ScriptMesh builds and tests with, and only the
# ones that are missing, then the Node tools of package.json (Swagger UI for
# /docs, Redocly CLI for the OpenAPI lint) and the web dashboard's packages of
# web/package.json (Preact, Vite, Vitest, playwright-core) with npm, each only
# when its node_modules is missing or older than its package-lock.json. A
# second run costs a dpkg query and four file-time checks, nothing more.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  g++ cmake ninja-build pkg-config make git
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3
  libsodium-dev libssl-dev libre2-dev
  libfmt-dev libcli11-dev doctest-dev libhowardhinnant-date-dev tzdata
  ca-certificates curl
  # Independent implementations the interop tests compare against.
  python3 python3-cryptography python3-jwt
  # promtool, which checks GET /metrics in the tests.
  prometheus
  # The browser the dashboard's end-to-end tests drive (playwright-core
  # downloads none).
  chromium
)
# npm comes with Node.js. Debian's nodejs and npm are installed only when there
# is no npm at all, so a newer Node.js (NodeSource, nvm) is left alone.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The marker is touched only after npm ci succeeded (npm ci starts by deleting
# node_modules, marker included), so it stands for a finished install; a
# package-lock.json newer than it (a pull that changed a version) means
# node_modules is stale.
cd "$root"
marker=node_modules/.scriptmesh-npm-ci
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "install-deps: npm ci (swagger-ui-dist, @redocly/cli)"
  # swagger-ui-dist depends on @scarf/scarf, whose install script reports the
  # download to scarf.sh; package.json opts out too (scarfSettings).
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund
  touch "$marker"
fi

# The web dashboard's own packages, with the same marker logic.
web_marker=web/node_modules/.scriptmesh-npm-ci
if [ ! -f "$web_marker" ] || [ web/package-lock.json -nt "$web_marker" ]; then
  echo "install-deps: npm ci in web/ (the dashboard: preact, vite, vitest, playwright-core)"
  (cd web && npm ci --no-audit --no-fund)
  touch "$web_marker"
fi

# @redocly/cli needs Node.js 20.19 or newer (Debian 12's own nodejs is 18).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "install-deps: warning: Node.js $(node --version) is too old for @redocly/cli" \
    "(needs 20.19+); the openapi/lint test will fail until Node.js is upgraded" >&2
fi
