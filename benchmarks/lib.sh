# Sourced by the benchmark scripts (harness.sh, health-soak.sh, soak.sh, profile.sh), from the repository's root:
# building what is missing, the launchers' JVM options, and the machine line of a report.

# build_jars_if_stale JAR [JAR...] -- DIR [DIR...]: ./mvnw -q -DskipTests package when a JAR is missing or
# a file under one of the DIRs is newer than it.
build_jars_if_stale() {
  local jars=() dirs=() jar
  while [[ $# -gt 0 && $1 != -- ]]; do jars+=("$1"); shift; done
  shift
  dirs=("$@")
  for jar in "${jars[@]}"; do
    if [[ ! -f $jar || -n "$(find "${dirs[@]}" -type f -newer "$jar" | head -1)" ]]; then
      echo "building the jars: ./mvnw -q -DskipTests package" >&2
      ./mvnw -q -DskipTests package
      return
    fi
  done
}

# build_peers DIR LOG: the Go and Python peers into DIR (interop/peers/build.sh), its output into LOG.
# Exit status 3 (only the go-plugin v1.8.0 peers missing, their tree absent) is not a failure here.
build_peers() {
  local status=0
  mkdir -p "$1"
  bash interop/peers/build.sh "$1" >"$2" 2>&1 || status=$?
  if [[ $status -ne 0 && $status -ne 3 ]]; then
    echo "building the peers failed (exit $status); see $2" >&2
    exit "$status"
  fi
}

# The JVM options of interop/java-kv-host (a Java host: JAVA_OPTS, or its small-heap defaults) and of
# interop/java-plugin (a Java plugin's defaults), read from the launchers so that they stay the same.
host_jvm_opts() {
  echo "${JAVA_OPTS-$(sed -n 's/.*JAVA_OPTS-"\([^"]*\)"}.*/\1/p' interop/java-kv-host)}"
}
plugin_default_jvm_opts() {
  sed -n 's/.*OUTPOST_PLUGIN_JAVA_OPTS-"\([^"]*\)"}.*/\1/p' interop/java-plugin
}

# Two lines for a report: when, on what machine, with which Java, at which commit.
machine_lines() {
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)),"
  echo "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); $(java -version 2>&1 | head -1);" \
    "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
}
