#!/usr/bin/env bash
# ctest openapi/lint: the OpenAPI document the orchestrator serves, as printed
# by `scriptmesh-orchestrator openapi` from the same route table, must pass
# `redocly lint` (Redocly CLI from npm, installed by `make deps`) with the
# rules in redocly.yaml at the repository root; any error fails the test.
# It also checks that the document's info.version is the binary's version.
# Usage: lint_test.sh <scriptmesh-orchestrator> <source dir>
set -euo pipefail
bin=$1
src=$2
redocly="$src/node_modules/.bin/redocly"
if [ ! -x "$redocly" ]; then
  echo "lint_test: $redocly not found: run 'make deps' (npm ci installs @redocly/cli)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" openapi >"$tmp/openapi.json"

version=$("$bin" --version)
doc_version=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).info.version)' \
  "$tmp/openapi.json")
if [ "$doc_version" != "$version" ]; then
  echo "lint_test: info.version is '$doc_version' but the binary is '$version'" >&2
  exit 1
fi

# No usage reports, no update checks: the test must not depend on the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
"$redocly" lint --config "$src/redocly.yaml" --format=stylish "$tmp/openapi.json"
