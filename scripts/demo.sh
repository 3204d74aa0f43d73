#!/usr/bin/env bash
# Runs the orchestrator from a release build on the embedded SQLite default,
# with development secrets generated under ./var/secrets. Ctrl-C stops it.
set -euo pipefail
build_dir=${1:-build/release}
listen=${2:-127.0.0.1:8080}
data_dir=${SCRIPTMESH_DATA_DIR:-./var}
mkdir -p "$data_dir"

orchestrator="$build_dir/apps/orchestrator/scriptmesh-orchestrator"
"$orchestrator" serve --dev --listen "$listen" --data-dir "$data_dir" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' INT TERM EXIT

for _ in $(seq 1 50); do
  if curl -fsS "http://$listen/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
if ! curl -fsS "http://$listen/healthz" >/dev/null; then
  echo "demo: the orchestrator did not come up on $listen" >&2
  exit 1
fi

cat <<MSG

ScriptMesh orchestrator is running.
  health:   curl http://$listen/healthz
  data:     $data_dir (SQLite file, outbox, dev secrets)
Press Ctrl-C to stop.

MSG
wait $pid
