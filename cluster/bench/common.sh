# Sourced by the cluster benchmark scripts: finds the JDK and the built distribution, starts and stops nodes.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/bin/find-jdk"
DJINN="$ROOT/bin/djinn"
"$DJINN" --version >/dev/null # builds the distribution when it is stale
JAVA=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
      -Xss4m -XX:LoopUnrollLimit=20 -XX:CompileCommandFile="$ROOT/bin/jit-directives" -cp "$ROOT/cli/target/djinn-cli.jar:$ROOT/cli/target/lib/*")
SECRET=bench-secret
WORK=$(mktemp -d /tmp/djinn-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start_node NAME LOGFILE ARGS... : starts a djinn node in the background (prefix with NETNS=... to run in one)
start_node() {
  local name=$1 log=$2; shift 2
  if [ -n "${NETNS:-}" ]; then
    ip netns exec "$NETNS" "${JAVA[@]}" dev.djinn.cli.Main node --name "$name" --cluster-secret "$SECRET" "$@" >"$log" 2>&1 &
  else
    "${JAVA[@]}" dev.djinn.cli.Main node --name "$name" --cluster-secret "$SECRET" "$@" >"$log" 2>&1 &
  fi
  PIDS+=($!)
  LAST_PID=$!
}

# await_log FILE TEXT [SECONDS]
await_log() {
  local t=${3:-120}
  for _ in $(seq $((t * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}

# gen_tps STDERR_FILE: the generation tokens/s of a djinn run
gen_tps() { sed -n 's/.*generation [0-9]* tokens, \([0-9.]*\) tokens\/s.*/\1/p' "$1"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
