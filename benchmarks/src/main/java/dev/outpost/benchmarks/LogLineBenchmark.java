package dev.outpost.benchmarks;

import dev.outpost.LogLevel;
import dev.outpost.internal.wire.LogLine;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a host pays for one of a plugin's log lines on stderr: the line the Go KV plugin writes for every
 * {@code Get} (hclog JSON at debug level), read whole ({@link LogLine#parse}, what a host that logs it
 * does) and only for its level ({@link LogLine#levelOf}, what a host does whose logger drops debug).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+UseSerialGC"})
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class LogLineBenchmark {

    /** As go-plugin v1.0.1's hclog writes it: keys sorted, the plugin's fields last. */
    static final String DEBUG_LINE = "{\"@level\":\"debug\",\"@message\":\"kv get\",\"@module\":\"go-kv-plugin.kv\","
            + "\"@timestamp\":\"2026-12-02T06:44:13.784470Z\",\"found\":true,\"key\":\"benchmark-key\"}";

    @Benchmark
    public Optional<LogLine> parse() {
        return LogLine.parse(DEBUG_LINE);
    }

    @Benchmark
    public Optional<LogLevel> levelOf() {
        return LogLine.levelOf(DEBUG_LINE);
    }
}
