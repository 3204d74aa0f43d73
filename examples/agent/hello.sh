#!/bin/sh
# The demo's script: greets, shows the clean environment an agent gives a
# job, and writes one line to stderr.
printf 'Hello, %s! This is job %s running "%s" on %s.\n' "$NAME" "$SM_JOB_ID" "$SM_SCRIPT" "$(uname -n)"
printf 'environment: %s\n' "$(env | cut -d= -f1 | sort | tr '\n' ' ')"
echo "stderr works too" >&2
