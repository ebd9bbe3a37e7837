#!/usr/bin/env bash
# Benchmark (e): recovery after SIGKILL of the middle of 3 nodes (loopback) during a greedy generation.
# Usage: cluster/bench/recovery.sh MODEL.gguf [TOKENS=64] [AFTER=16]
set -euo pipefail
. "$(dirname "$0")/common.sh"
MODEL=$1; TOKENS=${2:-64}; AFTER=${3:-16}
THREADS=$(nproc)
start_node a "$WORK/a.log" --model "$MODEL" --host 127.0.0.1 --port 47700 --discovery static --threads "$THREADS" --benchmark-ms 1
await_log "$WORK/a.log" "1 node, plan"
start_node b "$WORK/b.log" --model "$MODEL" --host 127.0.0.1 --port 47710 --peers 127.0.0.1:47700 --threads "$THREADS" --benchmark-ms 1
B=$LAST_PID
start_node c "$WORK/c.log" --model "$MODEL" --host 127.0.0.1 --port 47720 --peers 127.0.0.1:47700 --threads "$THREADS" --benchmark-ms 1
await_log "$WORK/a.log" "3 nodes, plan"
grep "3 nodes, plan" "$WORK/a.log" | tail -1
"$DJINN" run --peers 127.0.0.1:47700 --cluster-secret "$SECRET" --prompt "Once upon a time" -n "$TOKENS" --temp 0 \
  --ignore-eos >/dev/null 2>&1 # warm-up
"${JAVA[@]}" dev.djinn.cluster.bench.RecoveryBenchmark --peers 127.0.0.1:47700 --secret "$SECRET" --kill-pid "$B" \
  --after "$AFTER" --tokens "$TOKENS" 2>/dev/null | tee "$WORK/kill.txt"
"${JAVA[@]}" dev.djinn.cluster.bench.RecoveryBenchmark --peers 127.0.0.1:47700 --secret "$SECRET" \
  --tokens "$TOKENS" 2>/dev/null >"$WORK/clean.txt"
[ "$(grep '^ids' "$WORK/kill.txt")" = "$(grep '^ids' "$WORK/clean.txt")" ] && echo "tokens identical to an undisturbed run" \
  || echo "TOKENS DIFFER from an undisturbed run"
grep -h "replaces" "$WORK/a.log" | tail -1
