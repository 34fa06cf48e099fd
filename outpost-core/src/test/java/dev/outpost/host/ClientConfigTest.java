package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.HandshakeConfig;
import dev.outpost.fixtures.Probe;
import io.opentelemetry.api.OpenTelemetry;
import java.lang.ProcessBuilder.Redirect;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** {@link ClientConfig#toBuilder()}: a config derived from another keeps every option it does not change. */
class ClientConfigTest {

    private static final HandshakeConfig HANDSHAKE = new HandshakeConfig(3, "CONFIG_TEST", "yes");

    /** A config with every option away from its default. */
    private static ClientConfig everything() {
        Consumer<String> sink = line -> { };
        return ClientConfig.builder().name("everything").handshake(HANDSHAKE)
                .plugin("probe", Probe.plugin()).plugin(4, "other", Probe.plugin())
                .command("/bin/true", "--flag").workingDirectory(Path.of("/tmp")).env("KEY", "value")
                .skipHostEnv(true).stdin(Redirect.PIPE).startTimeout(Duration.ofSeconds(7))
                .callTimeout(Duration.ofSeconds(8)).gracefulTimeout(Duration.ofSeconds(9)).ports(20000, 20010)
                .stdout(sink).stderr(sink).syncStdout(sink).syncStderr(sink).unixSocketDir(Path.of("/tmp"))
                .unixSocketGroup("0").maxMessageSize(1 << 20).loggerName("test.everything").managed(false)
                .autoMtls(true).multiplexBroker(true).checksum("SHA-256", new byte[32])
                .runner(Sandbox.builder().build()).limits(Limits.builder().memoryMB(64).build())
                .openTelemetry(OpenTelemetry.noop()).build();
    }

    /** Every public accessor without parameters: what a config says about itself. */
    private static List<Method> accessors() {
        List<Method> accessors = new ArrayList<>();
        for (Method method : ClientConfig.class.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers())
                    && method.getParameterCount() == 0 && !method.getName().equals("toBuilder")) {
                accessors.add(method);
            }
        }
        return accessors;
    }

    @Test
    void theConfigOfThisTestSetsEveryOption() throws Exception {
        ClientConfig defaults = ClientConfig.builder().handshake(HANDSHAKE).plugin("probe", Probe.plugin()).build();
        ClientConfig everything = everything();
        for (Method accessor : accessors()) {
            if (accessor.getName().equals("handshake") || accessor.getName().equals("javaCommand")) {
                continue; // required, the same in both; a JavaCommand is the other kind of command (below)
            }
            assertThat(accessor.invoke(everything)).as("%s away from its default (a new option? set it in "
                    + "everything())", accessor.getName()).isNotEqualTo(accessor.invoke(defaults));
        }
    }

    @Test
    void toBuilderKeepsEveryOption() throws Exception {
        ClientConfig original = everything();
        ClientConfig copy = original.toBuilder().build();
        for (Method accessor : accessors()) {
            assertThat(accessor.invoke(copy)).as(accessor.getName()).isEqualTo(accessor.invoke(original));
        }
    }

    @Test
    void aJavaCommandIsKept() {
        JavaCommand java = JavaCommand.mainClass(List.of(Path.of("/opt/a.jar")), "com.example.Plugin")
                .noClassDataSharing().build();
        ClientConfig original = ClientConfig.builder().handshake(HANDSHAKE).plugin("probe", Probe.plugin())
                .command(java).build();
        ClientConfig copy = original.toBuilder().build();
        assertThat(copy.javaCommand()).containsSame(java);
        assertThat(copy.command()).isEqualTo(original.command());
    }

    @Test
    void whatWasLeftToItsDefaultFollowsTheNewValues() {
        ClientConfig first = ClientConfig.builder().handshake(HANDSHAKE).plugin("probe", Probe.plugin())
                .command("/opt/plugins/first").build();
        ClientConfig second = first.toBuilder().command("/opt/plugins/second").build();
        assertThat(first.name()).isEqualTo("first");
        assertThat(second.name()).isEqualTo("second");
        assertThat(second.loggerName()).isEqualTo("outpost.plugin.second");
        assertThat(second.command()).containsExactly("/opt/plugins/second");
    }

    @Test
    void aDerivedBuilderDoesNotChangeTheConfigItCameFrom() {
        ClientConfig original = ClientConfig.builder().handshake(HANDSHAKE).plugin("probe", Probe.plugin())
                .command("/bin/true").env("A", "1").build();
        ClientConfig derived = original.toBuilder().env("B", "2").plugin("more", Probe.plugin()).build();
        assertThat(original.env()).containsOnlyKeys("A");
        assertThat(original.versionedPlugins().get(3)).containsOnlyKeys("probe");
        assertThat(derived.env()).containsOnlyKeys("A", "B");
        assertThat(derived.versionedPlugins().get(3)).containsOnlyKeys("probe", "more");
    }
}
