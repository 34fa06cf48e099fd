package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Without the OpenTelemetry API, a manager starts, restarts and calls its plugins and loads none of it. */
@ExtendWith(LeakCheck.class)
class WithoutOpenTelemetryTest {

    @Test
    void aManagerRunsWithoutLoadingOpenTelemetry(@TempDir Path dir) throws Exception {
        String classpath = TestJvm.classpathWithout("opentelemetry");
        assertThat(classpath).isNotEqualTo(TestJvm.classpath());
        Path classes = dir.resolve("classes.log");
        Path out = dir.resolve("manager.out");
        Process manager = new ProcessBuilder(TestJvm.java(), "-Xlog:class+load=info:file=" + classes,
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", classpath,
                UntracedManager.class.getName(), dir.resolve("plugins").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = manager.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            manager.destroyForcibly().waitFor();
        }
        String output = Files.readString(out);
        assertThat(ended).as("the manager ended: " + output).isTrue();
        assertThat(manager.exitValue()).as(output).isZero();
        assertThat(output).contains("read ", "RUNNING -> CRASHED", "RESTARTING -> STARTING");
        assertThat(Files.readString(classes)).contains("dev.outpost.manager.ManagerSettings ",
                "dev.outpost.internal.grpc.CallTracing ").doesNotContain("io.opentelemetry", "dev.outpost.manager.PluginSpans",
                "dev.outpost.internal.grpc.OtelCalls");
    }
}
