#!/usr/bin/env bash
# Benchmark (d): 2 nodes in separate network namespaces joined by a veth pair limited to 1 Gbit/s (tc tbf),
# with 1 ms added one way on every data-plane connection, against 1 node. Needs root and iproute2.
# The kernel here has no netem, so a user-space delay line (dev.djinn.cluster.bench.DelayProxy) adds the 1 ms:
# each node announces its proxy's address, so every pipe frame between the nodes crosses the veth and the
# delay once. "1 node" is a warm one-node cluster (its own --cluster-name) in the first namespace, so both sides
# run the same code with the JIT warmed up; a cold `djinn run --model` is printed beside them and gives the
# reference output. Usage: cluster/bench/netns.sh MODEL.gguf [TOKENS=64] [REPEATS=3] [DELAY_MS=1] [WIRE=f32]
set -euo pipefail
. "$(dirname "$0")/common.sh"
MODEL=$1; TOKENS=${2:-64}; REPEATS=${3:-3}; DELAY=${4:-1}; WIRE=${5:-f32}
THREADS=$(nproc)
N1=djn1-$$; N2=djn2-$$
netclean() { cleanup; ip netns del "$N1" 2>/dev/null || true; ip netns del "$N2" 2>/dev/null || true; }
trap netclean EXIT
ip netns add "$N1"; ip netns add "$N2"
ip link add vdj1-$$ type veth peer name vdj2-$$
ip link set vdj1-$$ netns "$N1"; ip link set vdj2-$$ netns "$N2"
ip -n "$N1" addr add 10.77.0.1/24 dev vdj1-$$; ip -n "$N2" addr add 10.77.0.2/24 dev vdj2-$$
for n in "$N1" "$N2"; do ip -n "$n" link set lo up; done
ip -n "$N1" link set vdj1-$$ up; ip -n "$N2" link set vdj2-$$ up
for d in "$N1 vdj1-$$" "$N2 vdj2-$$"; do
  set -- $d; ip netns exec "$1" tc qdisc add dev "$2" root tbf rate 1gbit burst 32kb latency 20ms
done
# delay lines: 10.77.0.1:7730 -> a (10.77.0.1:7700), 10.77.0.2:7730 -> b (10.77.0.2:7700)
ip netns exec "$N1" "${JAVA[@]}" dev.djinn.cluster.bench.DelayProxy 10.77.0.1:7730 10.77.0.1:7700 "$DELAY" >"$WORK/p1.log" 2>&1 &
PIDS+=($!)
ip netns exec "$N2" "${JAVA[@]}" dev.djinn.cluster.bench.DelayProxy 10.77.0.2:7730 10.77.0.2:7700 "$DELAY" >"$WORK/p2.log" 2>&1 &
PIDS+=($!)
NETNS=$N1 start_node solo "$WORK/solo.log" --model "$MODEL" --host 10.77.0.1 --port 7750 --discovery static \
  --cluster-name solo --threads "$THREADS" --wire "$WIRE"
NETNS=$N1 start_node a "$WORK/a.log" --model "$MODEL" --host 10.77.0.1 --port 7700 --advertise 10.77.0.1:7730 \
  --discovery static --threads "$THREADS" --wire "$WIRE"
await_log "$WORK/solo.log" "1 node, plan"
await_log "$WORK/a.log" "1 node, plan"
NETNS=$N2 start_node b "$WORK/b.log" --model "$MODEL" --host 10.77.0.2 --port 7700 --advertise 10.77.0.2:7730 \
  --peers 10.77.0.1:7700 --threads "$THREADS" --wire "$WIRE"
await_log "$WORK/a.log" "2 nodes, plan"
grep "2 nodes, plan" "$WORK/a.log" | tail -1
ip netns exec "$N1" "$DJINN" cluster status --peers 10.77.0.1:7700 --cluster-secret "$SECRET"
ARGS=(--prompt "Once upon a time" -n "$TOKENS" --temp 0 --ignore-eos --threads "$THREADS")
ONE=(--peers 10.77.0.1:7750 --cluster-secret "$SECRET")
TWO=(--peers 10.77.0.1:7700 --cluster-secret "$SECRET")
ip netns exec "$N1" "$DJINN" run --model "$MODEL" "${ARGS[@]}" >/dev/null 2>&1
ip netns exec "$N1" "$DJINN" run "${ONE[@]}" "${ARGS[@]}" >/dev/null 2>&1
ip netns exec "$N1" "$DJINN" run "${TWO[@]}" "${ARGS[@]}" >/dev/null 2>&1
for i in $(seq "$REPEATS"); do
  ip netns exec "$N1" "$DJINN" run --model "$MODEL" "${ARGS[@]}" >"$WORK/local.out" 2>"$WORK/local.err"
  ip netns exec "$N1" "$DJINN" run "${ONE[@]}" "${ARGS[@]}" >"$WORK/one.out" 2>"$WORK/one.err"
  ip netns exec "$N1" "$DJINN" run "${TWO[@]}" "${ARGS[@]}" >"$WORK/two.out" 2>"$WORK/two.err"
  cmp -s "$WORK/local.out" "$WORK/one.out" && cmp -s "$WORK/local.out" "$WORK/two.out" && same=same || same=DIFFERENT
  printf 'run %d: 1 node %s tokens/s, 2 nodes (1 Gbit/s, +%s ms) %s tokens/s (cold djinn run --model %s; output %s)\n' \
    "$i" "$(gen_tps "$WORK/one.err")" "$DELAY" "$(gen_tps "$WORK/two.err")" "$(gen_tps "$WORK/local.err")" "$same"
  gen_tps "$WORK/one.err" >>"$WORK/one.tps"; gen_tps "$WORK/two.err" >>"$WORK/two.tps"
  gen_tps "$WORK/local.err" >>"$WORK/local.tps"
done
one=$(median <"$WORK/one.tps"); two=$(median <"$WORK/two.tps"); local=$(median <"$WORK/local.tps")
printf 'median: 1 node %s tokens/s, 2 nodes %s tokens/s, ratio %.3f (cold djinn run --model %s tokens/s)\n' \
  "$one" "$two" "$(echo "$two / $one" | bc -l)" "$local"
