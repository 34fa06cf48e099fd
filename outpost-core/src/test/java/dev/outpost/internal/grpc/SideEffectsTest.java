package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.TestJvm;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Using the library leaves the host application's JVM as it was: no system property set, grpc's Netty
 * logging where the application sent it, no logger levels changed, and no warning per Unix socket or
 * multiplexed connection. Run in a fresh JVM, since the state in question is JVM-wide.
 */
@EnabledOnOs(OS.LINUX)
class SideEffectsTest {

    @Test
    void aConnectionChangesNothingJvmWideAndLogsNoWarning() throws Exception {
        Process probe = new ProcessBuilder(TestJvm.of(SideEffectsProbe.class)).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("probe exited").isTrue();
        } finally {
            probe.destroyForcibly();
        }
        List<String> lines = output.lines().toList();
        assertThat(lines).as(output).contains("done", "call=UNIMPLEMENTED", "multiplexed call=UNIMPLEMENTED", "factory=application", "jfr=null",
                "level io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap=null",
                "level io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap=null");
        assertThat(lines).as(output).noneMatch(line -> line.startsWith("warning "));
    }
}
