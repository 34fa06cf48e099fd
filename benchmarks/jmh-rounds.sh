#!/usr/bin/env bash
# The JMH goal's figure, interface mode vs protobuf mode (CallBenchmark), in alternating rounds: each round
# runs getInterface and getProtobuf as two JMH invocations (one fork each, avgt, the warm-up and measurement of
# CallBenchmark's annotations), in the order interface, protobuf in odd rounds and protobuf, interface in even
# ones, so a machine that gets busier or quieter during the run moves both figures of a round alike. The goal
# is the median over the rounds of each round's ratio. Run it on an otherwise idle machine, not while
# benchmarks/harness.sh runs.
#
#   benchmarks/jmh-rounds.sh            # ROUNDS=5 into benchmarks/results/call-rounds/
#
# ROUNDS=N (at least 3: the goals are medians of at least three rounds), OUT=DIR (default
# benchmarks/results/call-rounds; emptied of earlier round files first). Writes DIR/round-N-interface.json
# and DIR/round-N-protobuf.json (JMH's JSON results), DIR/machine.txt, and prints the goal's row; the
# harness quotes DIR (JMH_JSON) in its goals table. Needs the benchmarks jar: ./mvnw -q -DskipTests package
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-5}
OUT=${OUT:-$ROOT/benchmarks/results/call-rounds}
JAR="$ROOT/benchmarks/target/outpost-benchmarks.jar"
if [[ ! -f "$JAR" ]]; then
  echo "jmh-rounds.sh: $JAR is missing; build it first: ./mvnw -q -DskipTests package" >&2
  exit 1
fi
if (( ROUNDS < 3 )); then
  echo "jmh-rounds.sh: ROUNDS=$ROUNDS; the goal is a median of at least 3 rounds" >&2
  exit 2
fi
mkdir -p "$OUT"
rm -f "$OUT"/round-*.json
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "rounds: $ROUNDS, odd rounds interface first, even rounds protobuf first; JMH -bm avgt, one fork each"
} >"$OUT/machine.txt"
for round in $(seq 1 "$ROUNDS"); do
  order=(Interface Protobuf)
  if (( round % 2 == 0 )); then order=(Protobuf Interface); fi
  for method in "${order[@]}"; do
    name=$(tr '[:upper:]' '[:lower:]' <<<"$method")
    echo "round $round/$ROUNDS: get$method" >&2
    java -jar "$JAR" "CallBenchmark.get$method\$" -bm avgt -rf json -rff "$OUT/round-$round-$name.json" >/dev/null
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
java -cp "$JAR" dev.outpost.benchmarks.harness.JmhRatio "$OUT"
