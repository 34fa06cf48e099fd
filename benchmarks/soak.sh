#!/usr/bin/env bash
# The chaos soak: does every call through a PluginManager's handles end exactly once, typed and in time,
# while the plugins are killed, stopped, reloaded and broken, and is nothing left afterwards?
#
#   benchmarks/soak.sh                 # 1,000,000 calls at 500 calls/s: about 35 minutes
#   CALLS=20000 benchmarks/soak.sh     # the size of the CI run (ChaosSoakIT)
#   SEED=123 benchmarks/soak.sh        # repeat a run
#
# 16 callers make Get and Put calls on Go (go-plugin v1.0.1 and v1.8.0), Python and Java proto.KV
# plugins in a watched directory; a chaos thread SIGKILLs, SIGSTOPs/SIGCONTs, reloads, touches and
# corrupts them every 0.2-2 s. The program is interop/src/main/java/dev/outpost/interop/soak/. Writes
# benchmarks/results/soak.md; exits 1 when the soak fails. Builds what is missing: the jars
# (./mvnw -q -DskipTests package) and the peers (interop/peers/build.sh into benchmarks/target/peers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source benchmarks/lib.sh
CALLS=${CALLS:-1000000}
RATE=${RATE:-500}
MAX_MINUTES=${MAX_MINUTES:-60}
PEERS="$ROOT/benchmarks/target/peers"
JAR="$ROOT/interop/target/outpost-interop.jar"
LOG="$ROOT/benchmarks/target/soak.log"
PEERS_LOG="$ROOT/benchmarks/target/soak-peers.log"
OUT="$ROOT/benchmarks/results/soak.md"

build_jars_if_stale "$JAR" -- interop/src/main outpost-manager/src/main outpost-core/src/main
mkdir -p "$(dirname "$OUT")"
build_peers "$PEERS" "$PEERS_LOG"

args=(--peers "$PEERS" --interop "$ROOT/interop" --calls "$CALLS" --rate "$RATE" --max-minutes "$MAX_MINUTES"
  --markdown "$OUT" --command "CALLS=$CALLS RATE=$RATE${SEED:+ SEED=$SEED} benchmarks/soak.sh, at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)")
if [[ -n "${SEED:-}" ]]; then
  args+=(--seed "$SEED")
fi
# The host runs as interop/java-kv-host does (its small-heap defaults, or JAVA_OPTS).
read -r -a HOST_OPTS <<<"$(host_jvm_opts)"
echo "chaos soak: $CALLS calls at up to $RATE calls/s; the manager's log goes to $LOG" >&2
exec java "${HOST_OPTS[@]}" -Dorg.slf4j.simpleLogger.logFile="$LOG" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$JAR" dev.outpost.interop.soak.ChaosSoak "${args[@]}"
