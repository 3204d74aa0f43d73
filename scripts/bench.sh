#!/usr/bin/env bash
# Runs every benchmark of bench/ from a build directory and prints their
# figures, each beside the baseline measured in the same run
# (docs/benchmarks.md). Builds nothing: `make bench` builds first.
#
#   scripts/bench.sh [BUILD_DIR]            (default build/release)
#   BENCH_ONLY="job_latency fanout" scripts/bench.sh build/release
#
# Every benchmark runs even when another fails; the exit status is 1 when
# any could not run (a missed target is a result, not a failure). The output
# is also kept in BUILD_DIR/bench/last-run.txt.
set -uo pipefail

build=${1:-build/release}
orchestrator="$build/apps/orchestrator/scriptmesh-orchestrator"
agent="$build/apps/agent/scriptmesh-agent"
all="job_throughput job_latency fanout output_throughput agent_connections"
only=${BENCH_ONLY:-$all}

missing=0
for binary in "$orchestrator" "$agent"; do
  if [[ ! -x $binary ]]; then
    echo "bench.sh: $binary is missing; build first (make bench)" >&2
    missing=1
  fi
done
for name in $only; do
  if [[ ! -x $build/bench/bench_$name ]]; then
    echo "bench.sh: $build/bench/bench_$name is missing; build first (make bench)" >&2
    missing=1
  fi
done
((missing)) && exit 2

log="$build/bench/last-run.txt"
{
  echo "ScriptMesh benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
  for name in $only; do
    echo
    echo ">>> bench_$name"
    "$build/bench/bench_$name" --orchestrator "$orchestrator" --agent "$agent"
  done
} 2>&1 | tee "$log"

# The loop runs in a pipeline's subshell, so the verdicts are read back from the log.
echo
echo "=== summary ==="
grep -E 'targets met$|: FAILED: ' "$log"
if grep -q ': FAILED: ' "$log"; then
  exit 1
fi
exit 0
