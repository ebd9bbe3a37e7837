#!/usr/bin/env bash
# Benchmark (c): single-request generation speed of a model on 2 nodes over loopback against 1 node.
# Usage: cluster/bench/speed.sh MODEL.gguf [TOKENS=64] [REPEATS=3] [WIRE=f32]
# "1 node" is a warm one-node cluster (its own --cluster-name) taking the same `djinn run --peers` request, so
# both sides run the same code with the JIT warmed up; a cold `djinn run --model` is printed beside them and
# gives the reference output. Runs alternate so that load from elsewhere hits every side alike.
set -euo pipefail
. "$(dirname "$0")/common.sh"
MODEL=$1; TOKENS=${2:-64}; REPEATS=${3:-3}; WIRE=${4:-f32}
THREADS=$(nproc)
start_node solo "$WORK/solo.log" --model "$MODEL" --host 127.0.0.1 --port 47720 --discovery static \
  --cluster-name solo --threads "$THREADS" --wire "$WIRE"
start_node a "$WORK/a.log" --model "$MODEL" --host 127.0.0.1 --port 47700 --discovery static --threads "$THREADS" --wire "$WIRE"
await_log "$WORK/solo.log" "1 node, plan"
await_log "$WORK/a.log" "1 node, plan"
start_node b "$WORK/b.log" --model "$MODEL" --host 127.0.0.1 --port 47710 --peers 127.0.0.1:47700 --threads "$THREADS" --wire "$WIRE"
await_log "$WORK/a.log" "2 nodes, plan"
grep "2 nodes, plan" "$WORK/a.log" | tail -1
ARGS=(--prompt "Once upon a time" -n "$TOKENS" --temp 0 --ignore-eos --threads "$THREADS")
ONE=(--peers 127.0.0.1:47720 --cluster-secret "$SECRET")
TWO=(--peers 127.0.0.1:47700 --cluster-secret "$SECRET")
"$DJINN" run --model "$MODEL" "${ARGS[@]}" >/dev/null 2>&1 # warm the page cache
"$DJINN" run "${ONE[@]}" "${ARGS[@]}" >/dev/null 2>&1 # warm the nodes
"$DJINN" run "${TWO[@]}" "${ARGS[@]}" >/dev/null 2>&1
for i in $(seq "$REPEATS"); do
  "$DJINN" run --model "$MODEL" "${ARGS[@]}" >"$WORK/local.out" 2>"$WORK/local.err"
  "$DJINN" run "${ONE[@]}" "${ARGS[@]}" >"$WORK/one.out" 2>"$WORK/one.err"
  "$DJINN" run "${TWO[@]}" "${ARGS[@]}" >"$WORK/two.out" 2>"$WORK/two.err"
  cmp -s "$WORK/local.out" "$WORK/one.out" && cmp -s "$WORK/local.out" "$WORK/two.out" && same=same || same=DIFFERENT
  printf 'run %d: 1 node %s tokens/s, 2 nodes %s tokens/s (cold djinn run --model %s tokens/s; output %s)\n' "$i" \
    "$(gen_tps "$WORK/one.err")" "$(gen_tps "$WORK/two.err")" "$(gen_tps "$WORK/local.err")" "$same"
  gen_tps "$WORK/one.err" >>"$WORK/one.tps"; gen_tps "$WORK/two.err" >>"$WORK/two.tps"
  gen_tps "$WORK/local.err" >>"$WORK/local.tps"
done
one=$(median <"$WORK/one.tps"); two=$(median <"$WORK/two.tps"); local=$(median <"$WORK/local.tps")
printf 'median: 1 node %s tokens/s, 2 nodes %s tokens/s, ratio %.3f (cold djinn run --model %s tokens/s)\n' \
  "$one" "$two" "$(echo "$two / $one" | bc -l)" "$local"
