#!/usr/bin/env bash
# Where the time goes per call, on each side: the Java host calling the Go plugin, and the Go host calling
# the Java plugin, under 1, 4 and 16 callers.
#
#   benchmarks/profile.sh        # about 5 minutes; run it on an otherwise idle machine
#
# Each case is the harness's --bench run (20000 warm-up calls, then CALLS Gets from 1 caller, then CALLS
# from 4 and from 16), twice: under perf (Linux's profiler: both processes and the kernel, JIT-compiled
# Java named by -XX:+DumpPerfMapAtExit) and with a JFR recording (settings=profile) of the Java side.
# Every output line is stamped with the wall clock; a phase's window is the BENCH line's time minus the
# phase's duration (calls / calls_per_s); dev.outpost.benchmarks.profile.PerfSummary and JfrSummary sum
# the samples of each window. Without perf, only JFR. Writes benchmarks/results/profile.md; keeps the
# recordings in benchmarks/target/profile/. Settings (environment): CALLS (default 100000), HZ (perf's
# sampling rate, default 999).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source benchmarks/lib.sh
CALLS=${CALLS:-100000}
HZ=${HZ:-999}
PEERS="$ROOT/benchmarks/target/peers"
WORK="$ROOT/benchmarks/target/profile"
BENCH_JAR="$ROOT/benchmarks/target/outpost-benchmarks.jar"
OUT="$ROOT/benchmarks/results/profile.md"

build_jars_if_stale "$BENCH_JAR" -- benchmarks/src/main interop/src/main outpost-core/src/main
rm -rf "$WORK"
mkdir -p "$WORK" "$(dirname "$OUT")"
build_peers "$PEERS" "$WORK/peers.log"

host_opts=$(host_jvm_opts)
plugin_opts=$(plugin_default_jvm_opts)
jfr() { echo "-XX:StartFlightRecording=filename=$1,settings=profile,dumponexit=true"; }

# Runs a bench host with its stdout stamped: "<epoch ms> <line>".
stamped() {
  "$@" 2>>"$WORK/stderr.log" | while IFS= read -r line; do printf '%s %s\n' "$(date +%s%3N)" "$line"; done
}

# JfrSummary's windows from the stamped BENCH get lines: C-callers, ending at the stamp, lasting calls/cps.
windows() {
  awk '/ BENCH get / {
    c = ""; n = 0; cps = 0
    for (i = 3; i <= NF; i++) {
      split($i, kv, "=")
      if (kv[1] == "callers") c = kv[2]; else if (kv[1] == "calls") n = kv[2]; else if (kv[1] == "calls_per_s") cps = kv[2]
    }
    # %.0f, not %d: mawk prints %d only up to 2^31, and epoch milliseconds are larger.
    if (cps > 0) printf "%s-callers=%.0f-%.0f:%.0f\n", c, $1 - n * 1000 / cps, $1, n
  }' "$1"
}

perf_summary() {
  # shellcheck disable=SC2046 # one argument per window
  java -cp "$BENCH_JAR" dev.outpost.benchmarks.profile.PerfSummary "$WORK/$1.perf.txt" "$HZ" $(windows "$WORK/$1-perf.txt")
}

summary() {
  local recording=$1 lines=$2
  # shellcheck disable=SC2046 # one argument per window
  java -cp "$BENCH_JAR" dev.outpost.benchmarks.profile.JfrSummary "$recording" $(windows "$lines")
}

# report_case NAME TITLE JFR_TITLE: a case's section of the report: its perf and JFR runs.
report_case() {
  echo "## $2"
  echo
  if [[ -n $have_perf ]]; then
    echo "### perf"
    echo
    echo '```'
    grep ' BENCH ' "$WORK/$1-perf.txt" | cut -d' ' -f2-
    echo '```'
    echo
    perf_summary "$1"
    echo
    echo "### $3"
    echo
  fi
  echo '```'
  grep ' BENCH ' "$WORK/$1.txt" | cut -d' ' -f2-
  echo '```'
  echo
  summary "$WORK/$1.jfr" "$WORK/$1.txt"
  echo
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
perf_map="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit"
have_perf=""
if command -v perf >/dev/null && perf record -o /dev/null -q -- true 2>/dev/null; then
  have_perf=yes
  # perf NAME CMD...: CMD's process tree under perf, its output stamped, the samples as text.
  perf_run() {
    local name=$1
    shift
    stamped perf record -q -F "$HZ" -k realtime -o "$WORK/$name.perf" -- "$@" >"$WORK/$name-perf.txt"
    perf script -i "$WORK/$name.perf" -F comm,pid,tid,time,ip,sym,dso >"$WORK/$name.perf.txt" 2>>"$WORK/stderr.log"
    # The JIT's symbol maps have been read; they are /tmp/perf-<pid>.map of this run's JVMs.
    awk '{ split($2, p, "/"); print p[1] }' "$WORK/$name.perf.txt" | sort -u \
      | while read -r pid; do rm -f "/tmp/perf-$pid.map"; done
  }
  echo "profile: perf, Java host -> Go plugin" >&2
  JAVA_OPTS="$host_opts $perf_map" perf_run java-host interop/java-kv-host --bench "$CALLS" --bench-par 4,16 \
    -- "$PEERS/go-kv-plugin"
  echo "profile: perf, Go host -> Java plugin" >&2
  OUTPOST_PLUGIN_CDS=0 OUTPOST_PLUGIN_JAVA_OPTS="$plugin_opts $perf_map" perf_run java-plugin \
    "$PEERS/go-kv-host" --bench "$CALLS" --bench-par 4,16 -- "$ROOT/interop/java-kv-plugin"
else
  echo "profile: no usable perf; JFR only" >&2
fi
echo "profile: JFR, Java host -> Go plugin, $CALLS calls per phase" >&2
# shellcheck disable=SC2086 # the options are words
JAVA_OPTS="$host_opts $(jfr "$WORK/java-host.jfr")" stamped interop/java-kv-host --bench "$CALLS" --bench-par 4,16 \
  -- "$PEERS/go-kv-plugin" >"$WORK/java-host.txt"
grep -q '^[0-9]* PASS' "$WORK/java-host.txt" || { echo "profile: the Java host's run failed; see $WORK" >&2; exit 1; }
echo "profile: JFR, Go host -> Java plugin, $CALLS calls per phase" >&2
# The plugin's recording is started with jcmd once its JVM is up: -XX:StartFlightRecording would print
# "Started recording" on the plugin's stdout, before its handshake line, whatever -Xlog says. The
# warm-up calls give jcmd the time; the measured phases come after them.
OUTPOST_PLUGIN_CDS=0 stamped "$PEERS/go-kv-host" --bench "$CALLS" --bench-par 4,16 -- "$ROOT/interop/java-kv-plugin" \
  >"$WORK/java-plugin.txt" &
bench=$!
plugin=""
for _ in $(seq 200); do
  plugin=$(pgrep -f -n 'dev[.]outpost[.]interop[.]KvPlugin' || true)
  [[ -n $plugin ]] && break
  sleep 0.05
done
if [[ -z $plugin ]]; then
  echo "profile: the Java plugin's JVM did not appear within 10 s" >&2
  exit 1
fi
jcmd "$plugin" JFR.start settings=profile dumponexit=true filename="$WORK/java-plugin.jfr" >>"$WORK/stderr.log"
wait "$bench"
grep -q '^[0-9]* PASS' "$WORK/java-plugin.txt" || { echo "profile: the Go host's run failed; see $WORK" >&2; exit 1; }

{
  echo "# Where the time goes per call"
  echo
  machine_lines
  echo "Load average before the runs: $load_before."
  echo "Produced by \`benchmarks/profile.sh\` (CALLS=$CALLS HZ=$HZ). perf samples the CPU time of both processes"
  echo "and of the kernel on their behalf; JFR's execution samples only threads seen running Java code (not"
  echo "parked, not in a system call), and the recording costs CPU itself. Neither run's calls/s are the"
  echo "harness's figures."
  echo
  report_case java-host "Java host (its default JVM options) -> Go plugin (go-plugin v1.0.1)" "JFR"
  report_case java-plugin "Go host (go-plugin v1.0.1) -> Java plugin (its default JVM options, no CDS archive)" \
    "JFR (started with jcmd)"
} >"$OUT"
echo "profile: wrote $OUT" >&2
