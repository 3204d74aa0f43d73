#!/usr/bin/env bash
# Runs the orchestrator from a release build on the embedded SQLite default,
# with development secrets generated under ./var/secrets, plus a local agent
# with the example manifest, and runs one job through the REST API to show
# its output (so the dashboard's job list is not empty). Ctrl-C stops both.
set -euo pipefail
build_dir=${1:-build/release}
listen=${2:-127.0.0.1:8080}
data_dir=${SCRIPTMESH_DATA_DIR:-./var}
repo_dir=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)

orchestrator="$build_dir/apps/orchestrator/scriptmesh-orchestrator"
agent="$build_dir/apps/agent/scriptmesh-agent"
"$orchestrator" serve --dev --listen "$listen" --data-dir "$data_dir" &
pid=$!
agent_pid=
cleanup() {
  [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
trap cleanup INT TERM EXIT

for _ in $(seq 1 50); do
  if curl -fsS "http://$listen/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
if ! curl -fsS "http://$listen/healthz" >/dev/null; then
  echo "demo: the orchestrator did not come up on $listen" >&2
  exit 1
fi

# An account, an agent key and a manifest naming this checkout's example script.
key_file=$(/usr/bin/python3 "$repo_dir/scripts/demo_client.py" "http://$listen" "$data_dir" setup)
manifest="$data_dir/demo/manifest.json"
sed "s#/opt/scriptmesh/examples/hello.sh#$repo_dir/examples/agent/hello.sh#" \
  "$repo_dir/examples/agent/manifest.json" >"$manifest"
"$agent" --url "http://$listen" --key-file "$key_file" --manifest "$manifest" \
  --spool "$data_dir/demo/spool" --tags demo &
agent_pid=$!

/usr/bin/python3 "$repo_dir/scripts/demo_client.py" "http://$listen" "$data_dir" run-job

cat <<MSG

ScriptMesh orchestrator and a local agent are running.
  dashboard: http://$listen/
  sign in:   demo@scriptmesh.example / $(cat "$data_dir/demo/password")
             (the password is kept in $data_dir/demo/password)
  health:    curl http://$listen/healthz
  API docs:  http://$listen/docs
  data:      $data_dir (SQLite file, outbox, dev secrets, the agent's spool)
Press Ctrl-C to stop.

MSG
wait $pid
