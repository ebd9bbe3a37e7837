#!/usr/bin/env bash
# Builds the JMH kernel micro-benchmarks (Maven profile jmh, module bench) and runs them; arguments go to
# JMH, e.g. `scripts/jmh.sh MatVec -p type=Q8_0,Q4_0 -p threads=2`, `scripts/jmh.sh -l` (list), `-h` (help).
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$ROOT/bin/find-jdk"
cd "$ROOT"
./mvnw -q -ntp -B -Pjmh -pl bench -am -DskipTests package >&2
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "bench/target/djinn-bench.jar:bench/target/lib/*" org.openjdk.jmh.Main "$@" \
  2> >(grep -v --line-buffered '^WARNING: Using incubator modules' >&2)
