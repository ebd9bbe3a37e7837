#!/usr/bin/env bash
# Benchmarks (a) and (b): latency one pipeline hop adds, and bytes per hop, for a 1B-shape hidden state
# (2048 values), per wire format. Usage: cluster/bench/hop.sh [--iterations N] [--dim D] [--formats f32,f16,...]
set -euo pipefail
. "$(dirname "$0")/common.sh"
"${JAVA[@]}" dev.djinn.cluster.bench.HopBenchmark "$@" 2> >(grep -v '^WARNING: Using incubator' >&2)
