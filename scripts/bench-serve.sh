#!/usr/bin/env bash
# The serving benchmark: aggregate generated tokens/s of `djinn serve` at several concurrency levels, and of
# llama.cpp (node-llama-cpp, one context with as many parallel sequences as requests: llama.cpp server's
# slots) side by side. Per level, both engines get C parallel slots and C requests at once, each with its own
# prompt of random ids, greedy, ignoring end-of-generation; one warm-up wave first. Engines alternate which
# goes first per level. Appends JSON lines to bench-out/bench-serve-DATE.jsonl and prints a table.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/scripts/llamacpp/install.sh"

usage() {
  cat <<USAGE
usage: scripts/bench-serve.sh [options] MODEL.gguf
  -t, --threads N          threads for both engines (default: 2)
  --concurrency LIST       comma-separated request counts (default: 1,8,16,64)
  --prompt-tokens N        prompt length of each request (default: 32)
  --max-tokens N           tokens each request generates (default: 32)
  --engines LIST           djinn,llama.cpp (default: both)
  --port P                 djinn's port (default: 18080)
USAGE
}
THREADS=2; LEVELS=1,8,16,64; PROMPT=32; TOKENS=32; ENGINES=djinn,llama.cpp; PORT=18080; MODEL=
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--threads) THREADS=$2; shift 2 ;;
    --concurrency) LEVELS=$2; shift 2 ;;
    --prompt-tokens) PROMPT=$2; shift 2 ;;
    --max-tokens) TOKENS=$2; shift 2 ;;
    --engines) ENGINES=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    *) MODEL=$1; shift ;;
  esac
done
[ -n "$MODEL" ] && [ -f "$MODEL" ] || { usage >&2; exit 2; }
case ",$ENGINES," in *,llama.cpp,*) ensure_node_llama_cpp ;; esac
DJINN="$ROOT/bin/djinn"
"$DJINN" --version >/dev/null
mkdir -p "$ROOT/bench-out"
OUT="$ROOT/bench-out/bench-serve-$(date +%Y%m%d-%H%M%S).jsonl"
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true' EXIT

run_djinn() {
  local c=$1 log
  log=$(mktemp)
  "$DJINN" serve --model "$MODEL" --port "$PORT" --parallel "$c" --threads "$THREADS" --ctx $((PROMPT + TOKENS + 8)) \
    >"$log" 2>&1 &
  SERVER=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  node "$ROOT/scripts/serve-load.mjs" --url "http://127.0.0.1:$PORT" --concurrency "$c" --prompt-tokens "$PROMPT" \
    --max-tokens "$TOKENS" | sed "s/}\$/,\"threads\":$THREADS,\"load_before\":$load,\"model\":\"$(basename "$MODEL")\"}/" \
    | tee -a "$OUT"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  rm -f "$log"
}

run_llama() {
  local c=$1 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  node "$ROOT/scripts/llamacpp/serve-bench.mjs" --model "$MODEL" --concurrency "$c" --prompt-tokens "$PROMPT" \
    --max-tokens "$TOKENS" -t "$THREADS" \
    | sed "s/}\$/,\"load_before\":$load,\"model\":\"$(basename "$MODEL")\"}/" | tee -a "$OUT"
}

i=0
for c in ${LEVELS//,/ }; do
  order=(djinn llama.cpp)
  [ $((i % 2)) = 1 ] && order=(llama.cpp djinn)
  for e in "${order[@]}"; do
    case ",$ENGINES," in *,"$e",*) ;; *) continue ;; esac
    if [ "$e" = djinn ]; then run_djinn "$c"; else run_llama "$c"; fi
  done
  i=$((i + 1))
done
echo "results: $OUT" >&2
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const by = {};
for (const r of lines) (by[r.concurrency] ??= {})[r.engine] = r;
const f = x => x == null ? "-" : x.toFixed(2);
console.log("| concurrent | djinn t/s | llama.cpp t/s | djinn/llama.cpp | djinn TTFT p50/p99 ms | llama.cpp TTFT p50/p99 ms |");
console.log("|---:|---:|---:|---:|---:|---:|");
for (const c of Object.keys(by).map(Number).sort((a, b) => a - b)) {
  const d = by[c].djinn, l = by[c]["llama.cpp"];
  console.log(`| ${c} | ${f(d?.aggregate_tps)} | ${f(l?.aggregate_tps)} | ${d && l ? f(d.aggregate_tps / l.aggregate_tps) : "-"} | ${d ? d.ttft_p50_ms + " / " + d.ttft_p99_ms : "-"} | ${l ? l.ttft_p50_ms + " / " + l.ttft_p99_ms : "-"} |`);
}' "$OUT"
