#!/usr/bin/env bash
# Benchmark (c): single-request generation speed of a model on 2 nodes over loopback against 1 node.
# Usage: cluster/bench/speed.sh MODEL.gguf [TOKENS=64] [REPEATS=3] [WIRE=f32]
# Runs alternate (1 node, 2 nodes, 1 node, ...) so that load from elsewhere hits both alike.
set -euo pipefail
. "$(dirname "$0")/common.sh"
MODEL=$1; TOKENS=${2:-64}; REPEATS=${3:-3}; WIRE=${4:-f32}
THREADS=$(nproc)
start_node a "$WORK/a.log" --model "$MODEL" --host 127.0.0.1 --port 47700 --discovery static --threads "$THREADS" --wire "$WIRE"
await_log "$WORK/a.log" "1 node, plan"
start_node b "$WORK/b.log" --model "$MODEL" --host 127.0.0.1 --port 47710 --peers 127.0.0.1:47700 --threads "$THREADS" --wire "$WIRE"
await_log "$WORK/a.log" "2 nodes, plan"
grep "2 nodes, plan" "$WORK/a.log" | tail -1
ARGS=(--prompt "Once upon a time" -n "$TOKENS" --temp 0 --ignore-eos --threads "$THREADS")
"$DJINN" run --model "$MODEL" "${ARGS[@]}" >/dev/null 2>&1 # warm the page cache
"$DJINN" run --peers 127.0.0.1:47700 --cluster-secret "$SECRET" "${ARGS[@]}" >/dev/null 2>&1 # warm the nodes
for i in $(seq "$REPEATS"); do
  "$DJINN" run --model "$MODEL" "${ARGS[@]}" >"$WORK/one.out" 2>"$WORK/one.err"
  "$DJINN" run --peers 127.0.0.1:47700 --cluster-secret "$SECRET" "${ARGS[@]}" >"$WORK/two.out" 2>"$WORK/two.err"
  cmp -s "$WORK/one.out" "$WORK/two.out" && same=same || same=DIFFERENT
  printf 'run %d: 1 node %s tokens/s, 2 nodes %s tokens/s (output %s)\n' "$i" "$(gen_tps "$WORK/one.err")" \
    "$(gen_tps "$WORK/two.err")" "$same"
  gen_tps "$WORK/one.err" >>"$WORK/one.tps"; gen_tps "$WORK/two.err" >>"$WORK/two.tps"
done
one=$(median <"$WORK/one.tps"); two=$(median <"$WORK/two.tps")
printf 'median: 1 node %s tokens/s, 2 nodes %s tokens/s, ratio %.3f\n' "$one" "$two" "$(echo "$two / $one" | bc -l)"
