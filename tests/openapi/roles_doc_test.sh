#!/usr/bin/env bash
# ctest openapi/roles_doc: docs/roles.md must be exactly what
# `scriptmesh-orchestrator routes --markdown` prints from the route table the
# server runs, so the documented role/scope matrix never goes stale.
# Usage: roles_doc_test.sh <scriptmesh-orchestrator> <source dir>
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$bin" routes --markdown >"$tmp"
if ! diff -u "$src/docs/roles.md" "$tmp"; then
  echo "roles_doc_test: docs/roles.md is stale; regenerate it with" >&2
  echo "  $bin routes --markdown > docs/roles.md" >&2
  exit 1
fi
