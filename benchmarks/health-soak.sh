#!/usr/bin/env bash
# Health checks under load: does the manager, with its default health checks, leave busy plugins alone
# and find stopped ones quickly?
#
#   benchmarks/health-soak.sh        # about 12 minutes
#
# Starts GO + JAVA + PYTHON proto.KV plugins (default 30 + 10 + 10) under one PluginManager, keeps LOAD
# busy processes running (default twice the cores) for MINUTES (default 10) while making a Put and a Get
# on every plugin every 5 s, counts CRASHED events (false restarts; must be 0), then SIGSTOPs one plugin
# of each language, still under load, and times SIGSTOP to CRASHED (must be at most 10 s).
# Writes benchmarks/results/health-soak.md. Builds what is missing: the jars (./mvnw -q -DskipTests
# package) and the peers (interop/peers/build.sh into benchmarks/target/peers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source benchmarks/lib.sh
GO=${GO:-30}
JAVA=${JAVA:-10}
PYTHON=${PYTHON:-10}
MINUTES=${MINUTES:-10}
LOAD=${LOAD:-$((2 * $(nproc)))}
PEERS="$ROOT/benchmarks/target/peers"
BENCH_JAR="$ROOT/benchmarks/target/outpost-benchmarks.jar"
LOG="$ROOT/benchmarks/target/health-soak.log"
OUT="$ROOT/benchmarks/results/health-soak.md"

build_jars_if_stale "$BENCH_JAR" -- benchmarks/src/main outpost-manager/src/main outpost-core/src/main
mkdir -p "$(dirname "$OUT")"
build_peers "$PEERS" "$LOG"

# The host runs as interop/java-kv-host does (its small-heap defaults, or JAVA_OPTS).
read -r -a HOST_OPTS <<<"$(host_jvm_opts)"
echo "health soak: $GO Go, $JAVA Java, $PYTHON Python plugins, $LOAD busy processes, $MINUTES min" >&2
result=0
lines=$(java "${HOST_OPTS[@]}" -Djava.io.tmpdir="${TMPDIR:-/tmp}" -Dorg.slf4j.simpleLogger.logFile=System.err \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.outpost.benchmarks.health.HealthSoak \
  --go "$GO" --java "$JAVA" --python "$PYTHON" --minutes "$MINUTES" --load "$LOAD" \
  -- "$PEERS/go-kv-plugin" "$ROOT/interop/java-kv-plugin" "$PEERS/python-kv-plugin" 2>>"$LOG") || result=$?

{
  echo "# Health checks under load"
  echo
  machine_lines
  echo "PluginManager's default health checks (every 2 s, 2 s timeout, 3 failures in a row). Produced by"
  echo "\`benchmarks/health-soak.sh\` (GO=$GO JAVA=$JAVA PYTHON=$PYTHON MINUTES=$MINUTES LOAD=$LOAD); the raw lines:"
  echo
  echo '```'
  echo "$lines"
  echo '```'
} >"$OUT"
cat "$OUT"
exit "$result"
