package dev.outpost.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.fixtures.UntracedHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without the OpenTelemetry API on the class path, host and plugin work as before and load none of its
 * classes, nor Outpost's class that uses them: tracing is off at no cost.
 */
@ExtendWith(LeakCheck.class)
class WithoutOpenTelemetryTest {

    @Test
    void hostAndPluginRunWithoutLoadingOpenTelemetry(@TempDir Path dir) throws IOException, InterruptedException {
        String classpath = TestJvm.classpathWithout("opentelemetry");
        assertThat(classpath).isNotEqualTo(TestJvm.classpath());
        Path hostClasses = dir.resolve("host-classes.log");
        Path pluginClasses = dir.resolve("plugin-classes.log");
        Process host = new ProcessBuilder(TestJvm.java(), "-Xlog:class+load=info:file=" + hostClasses,
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", classpath,
                UntracedHost.class.getName(), pluginClasses.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("host.out").toFile()).start();
        boolean ended = host.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            host.destroyForcibly().waitFor();
        }
        String output = Files.readString(dir.resolve("host.out"));
        assertThat(ended).as("the host ended: " + output).isTrue();
        assertThat(host.exitValue()).as(output).isZero();
        assertThat(output).contains("add 5", "relay hi|plugin|host");
        for (Path log : List.of(hostClasses, pluginClasses)) {
            String loaded = Files.readString(log);
            // The switch was looked at, and nothing behind it was loaded.
            assertThat(loaded).as(log.toString()).contains("dev.outpost.internal.grpc.CallTracing ")
                    .doesNotContain("io.opentelemetry", "dev.outpost.internal.grpc.OtelCalls");
        }
    }
}
