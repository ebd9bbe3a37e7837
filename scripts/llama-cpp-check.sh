#!/usr/bin/env bash
# Checks that djinn generates the same greedy token ids as llama.cpp (node-llama-cpp's prebuilt binaries)
# on models djinn itself writes: an F32 model, its `djinn quantize` Q8_0 copy, `djinn synth` random Q8_0 and
# Q4_K_M models with a real tokenizer, and a `djinn quantize` Q4_K_M copy of a synthetic F32 model (K-quants need
# rows of 256 values, which the small F32 model lacks). Exits non-zero when any file's ids differ.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/scripts/llamacpp/install.sh"

usage() {
  cat <<USAGE
usage: scripts/llama-cpp-check.sh [options]
  --f32-model FILE        F32 GGUF model to quantize to Q8_0 (default: ../shared/models/stories260K.gguf)
  --tokenizer-from GGUF   tokenizer for the synthetic model (default: ../shared/models/stories260K.gguf)
  --shape NAME            synthetic model shape (default: tiny)
  --seed N                synthetic model seed (default: 1)
  --prompt TEXT           (default: "Once upon a time")
  -n N                    tokens to generate (default: 32)
  -t, --threads N         threads for both engines (default: 2)
  --kv-type f32|f16       KV cache type for both engines (default: f32: exact comparison)
  --out DIR               where the generated models go (default: bench-out/llama-cpp-check)
  --only FILE             check this GGUF file alone (repeatable); makes no models
environment: NODE_LLAMA_CPP_DIR (default: \${TMPDIR:-/tmp}/djinn-llamacpp) holds node-llama-cpp@$NODE_LLAMA_CPP_VERSION
USAGE
}

SHARED="$ROOT/../shared/models"
F32_MODEL="$SHARED/stories260K.gguf"
TOKENIZER="$SHARED/stories260K.gguf"
SHAPE=tiny
SEED=1
PROMPT="Once upon a time"
N=32
THREADS=2
KV=f32
OUT="$ROOT/bench-out/llama-cpp-check"
ONLY=()
while [ $# -gt 0 ]; do
  case "$1" in
    --f32-model) F32_MODEL=$2; shift 2 ;;
    --tokenizer-from) TOKENIZER=$2; shift 2 ;;
    --shape) SHAPE=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --prompt) PROMPT=$2; shift 2 ;;
    -n) N=$2; shift 2 ;;
    -t|--threads) THREADS=$2; shift 2 ;;
    --kv-type) KV=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --only) ONLY+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

ensure_node_llama_cpp
DJINN="$ROOT/bin/djinn"
if [ ${#ONLY[@]} -gt 0 ]; then
  MODELS=("${ONLY[@]}")
else
  mkdir -p "$OUT"
  base=$(basename "$F32_MODEL" .gguf)
  quantized="$OUT/$base-q8_0.gguf"
  synthetic="$OUT/synth-$SHAPE-q8_0-seed$SEED-$(basename "$TOKENIZER" .gguf).gguf"
  "$DJINN" quantize "$F32_MODEL" "$quantized" --type q8_0 >/dev/null
  "$DJINN" synth --shape "$SHAPE" --type q8_0 --seed "$SEED" --tokenizer-from "$TOKENIZER" "$synthetic" 2>/dev/null
  synth_kquant="$OUT/synth-$SHAPE-q4_k_m-seed$SEED-$(basename "$TOKENIZER" .gguf).gguf"
  "$DJINN" synth --shape "$SHAPE" --type q4_k_m --seed "$SEED" --tokenizer-from "$TOKENIZER" "$synth_kquant" 2>/dev/null
  synth_f32="$OUT/synth-$SHAPE-f32-seed$SEED-$(basename "$TOKENIZER" .gguf).gguf"
  quant_kquant="$OUT/synth-$SHAPE-f32-seed$SEED-quantized-q4_k_m.gguf"
  "$DJINN" synth --shape "$SHAPE" --type f32 --seed "$SEED" --tokenizer-from "$TOKENIZER" "$synth_f32" 2>/dev/null
  "$DJINN" quantize "$synth_f32" "$quant_kquant" --type q4_k_m >/dev/null
  MODELS=("$F32_MODEL" "$quantized" "$synthetic" "$synth_kquant" "$quant_kquant")
fi

failed=0
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
for m in "${MODELS[@]}"; do
  echo "== $(basename "$m") (prompt \"$PROMPT\", $N tokens, greedy, KV $KV, $THREADS threads)"
  if ! ids=$("$DJINN" run --model "$m" --prompt "$PROMPT" -n "$N" --temp 0 --kv-type "$KV" --threads "$THREADS" \
        --ignore-eos --ids --echo 2>"$errors"); then
    echo "djinn run failed:" >&2
    cat "$errors" >&2
    failed=$((failed + 1))
    continue
  fi
  grep '^djinn: prompt' "$errors" || true
  if node "$ROOT/scripts/llamacpp/generate.mjs" --model "$m" --prompt "$PROMPT" --n "$N" --threads "$THREADS" \
       --kv-type "$KV" --expect "$ids"; then
    :
  else
    failed=$((failed + 1))
  fi
done
if [ "$failed" -gt 0 ]; then
  echo "llama.cpp agreement: $failed of ${#MODELS[@]} files differ" >&2
  exit 1
fi
echo "llama.cpp agreement: all ${#MODELS[@]} files give the same ids"
