#!/usr/bin/env bash
# Side-by-side speed of llama.cpp (node-llama-cpp's prebuilt binaries, measured by scripts/llamacpp/bench.mjs)
# and `djinn bench` on the same GGUF files with the same thread count. The engines take turns, several rounds,
# so that the machine's load swings hit both; each round's median per engine goes into the summary. With
# --interleave both engines stay loaded and take turns repetition by repetition (scripts/llamacpp/interleave.mjs),
# which also gives the median of djinn/llama.cpp over neighbouring turns.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/scripts/llamacpp/install.sh"

usage() {
  cat <<USAGE
usage: scripts/bench-vs-llama-cpp.sh [options] [FILE.gguf ...]
  -t, --threads N          threads for both engines (default: 2)
  --rounds N               alternating rounds per file (default: 3)
  -r, --repetitions N      measured repetitions per run, after one warm-up (default: 3)
  --interleave             both engines loaded at once, alternating every repetition instead of every run
  -p N / -n N              prompt and generated tokens (default: 512 / 128)
  --kv-type f16|f32        KV cache type for both (default: f16, llama.cpp's default)
  --results FILE           JSON lines of every run (default: bench-out/bench-vs-llama-cpp-<time>.jsonl)
  --make-models DIR        first write random-weight test models into DIR (skipping existing ones):
                           llama-3.2-1b-{q4_0,q8_0,q4_k_m,f16}.gguf and llama-3-8b-q4_0.gguf
  --no-8b                  with --make-models: skip the 8B model (about 4.5 GB)
  --tokenizer-from GGUF    tokenizer for --make-models (default: ../shared/models/ggml-vocab-llama-bpe.gguf)
environment: NODE_LLAMA_CPP_DIR (default: \${TMPDIR:-/tmp}/djinn-llamacpp) holds node-llama-cpp@$NODE_LLAMA_CPP_VERSION
USAGE
}

THREADS=2
ROUNDS=3
REPS=3
P=512
N=128
KV=f16
RESULTS=""
MAKE_DIR=""
WITH_8B=1
INTERLEAVE=0
TOKENIZER="$ROOT/../shared/models/ggml-vocab-llama-bpe.gguf"
FILES=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--threads) THREADS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -r|--repetitions) REPS=$2; shift 2 ;;
    -p) P=$2; shift 2 ;;
    -n) N=$2; shift 2 ;;
    --kv-type) KV=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --make-models) MAKE_DIR=$2; shift 2 ;;
    --no-8b) WITH_8B=0; shift ;;
    --interleave) INTERLEAVE=1; shift ;;
    --tokenizer-from) TOKENIZER=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) FILES+=("$1"); shift ;;
  esac
done
DJINN="$ROOT/bin/djinn"

# free space in MB on the file system holding $1
free_mb() { df -Pm "$1" | awk 'NR == 2 { print $4 }'; }

make_model() { # shape type file approx-MB
  local shape=$1 type=$2 out=$3 need=$4
  if [ -f "$out" ]; then
    echo "have $out" >&2
    return 0
  fi
  if [ "$(free_mb "$(dirname "$out")")" -lt $((need + 1024)) ]; then
    echo "skipping $out: it needs about $need MB and $(free_mb "$(dirname "$out")") MB are free" >&2
    return 0
  fi
  "$DJINN" synth --shape "$shape" --type "$type" --tokenizer-from "$TOKENIZER" "$out"
}

if [ -n "$MAKE_DIR" ]; then
  mkdir -p "$MAKE_DIR"
  df -h "$MAKE_DIR" >&2
  make_model llama-3.2-1b q4_0 "$MAKE_DIR/llama-3.2-1b-q4_0.gguf" 800
  make_model llama-3.2-1b q8_0 "$MAKE_DIR/llama-3.2-1b-q8_0.gguf" 1400
  make_model llama-3.2-1b q4_k_m "$MAKE_DIR/llama-3.2-1b-q4_k_m.gguf" 900
  make_model llama-3.2-1b f16 "$MAKE_DIR/llama-3.2-1b-f16.gguf" 2600
  if [ "$WITH_8B" = 1 ]; then
    make_model llama-3-8b q4_0 "$MAKE_DIR/llama-3-8b-q4_0.gguf" 4700
  fi
fi
if [ ${#FILES[@]} -eq 0 ]; then
  [ -n "$MAKE_DIR" ] && exit 0
  usage >&2
  exit 2
fi

ensure_node_llama_cpp
if [ -z "$RESULTS" ]; then
  mkdir -p "$ROOT/bench-out"
  RESULTS="$ROOT/bench-out/bench-vs-llama-cpp-$(date +%Y%m%d-%H%M%S).jsonl"
fi
: > "$RESULTS"

run_llama() {
  node "$ROOT/scripts/llamacpp/bench.mjs" --model "$1" -p "$P" -n "$N" -t "$THREADS" -r "$REPS" --kv-type "$KV" \
    | tee -a "$RESULTS"
}
run_djinn() {
  "$DJINN" bench --model "$1" -p "$P" -n "$N" -t "$THREADS" -r "$REPS" --kv-type "$KV" --json | tee -a "$RESULTS"
}

echo "uptime: $(uptime)" >&2
for f in "${FILES[@]}"; do
  for ((round = 1; round <= ROUNDS; round++)); do
    echo "== $(basename "$f"): round $round of $ROUNDS" >&2
    if [ "$INTERLEAVE" = 1 ]; then
      node "$ROOT/scripts/llamacpp/interleave.mjs" --djinn "$DJINN" --model "$f" -p "$P" -n "$N" -t "$THREADS" \
        -r "$REPS" --kv-type "$KV" | tee -a "$RESULTS" >&2
      continue
    fi
    # alternate which engine goes first, so a load change within a round does not always favour one
    if ((round % 2 == 1)); then
      run_llama "$f" >&2
      run_djinn "$f" >&2
    else
      run_djinn "$f" >&2
      run_llama "$f" >&2
    fi
  done
done
echo "uptime: $(uptime)" >&2
echo "results: $RESULTS" >&2
node "$ROOT/scripts/llamacpp/summarize.mjs" "$RESULTS"
