package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.PluginStartException;
import dev.outpost.internal.wire.PluginEnv;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container runner's command line, and what it refuses before it runs anything. */
class ContainerTest {

    private static final String IMAGE = "registry.example.com/kv@sha256:" + "ab".repeat(32);

    @TempDir
    Path sockets;

    private Runner.Launch launch(Map<String, String> environment, List<String> wrapper) {
        return new Runner.Launch("KV plugin", List.of("/kv-plugin", "--verbose"), environment, Optional.empty(),
                Redirect.PIPE, sockets, List.of(), wrapper);
    }

    @Test
    void theCommandLineConfinesThePluginAndSharesOnlyItsSocketDirectory() {
        Container container = Container.builder().image(IMAGE).memoryMB(128).cpus(0.5).build();
        List<String> command = container.command(Path.of("/usr/bin/podman"), "outpost-kv-1", "1000:1000", true,
                List.of("KV_PLUGIN", "PLUGIN_MULTIPLEX_GRPC"), launch(Map.of(), List.of()));
        String dir = sockets.toAbsolutePath().toString();
        assertThat(command).containsExactly("/usr/bin/podman", "run", "--rm", "--name", "outpost-kv-1",
                "--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only",
                "--tmpfs", "/tmp", "--user", "1000:1000", "--volume", dir + ":" + dir, "--userns", "keep-id",
                "--memory", "128m", "--cpus", "0.5", "--env", "TMPDIR=" + dir, "--env", "KV_PLUGIN",
                "--env", "PLUGIN_MULTIPLEX_GRPC",
                IMAGE, "/kv-plugin", "--verbose");
    }

    @Test
    void withTheNetworkAndWithoutLimitsThoseFlagsChange() {
        Container container = Container.builder().image(IMAGE).network(true).build();
        List<String> command = container.command(Path.of("docker"), "c", "0:0", false, List.of(),
                launch(Map.of(), List.of()));
        assertThat(command).containsSequence("--network", "bridge").doesNotContain("--memory", "--cpus", "--userns");
    }

    @Test
    void onlyTheVariablesTheHostSetForThePluginReachTheContainer() {
        Map<String, String> host = Map.of("HOME", "/root", "PATH", "/usr/bin", "LANG", "C");
        Map<String, String> environment = Map.of("HOME", "/root", "PATH", "/usr/bin", "LANG", "C.UTF-8",
                "KV_PLUGIN", "hello", PluginEnv.UNIX_SOCKET_DIR, sockets.toString(), "TMPDIR", "/var/tmp");
        assertThat(Container.passedEnvironment(launch(environment, List.of()), host)).containsOnly(
                Map.entry("LANG", "C.UTF-8"), Map.entry("KV_PLUGIN", "hello"),
                Map.entry(PluginEnv.UNIX_SOCKET_DIR, sockets.toString()));
    }

    @Test
    void anImageWithoutADigestIsRefused() {
        assertThatThrownBy(() -> Container.builder().image("registry.example.com/kv:latest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"registry.example.com/kv:latest\" is not pinned by digest");
        assertThatThrownBy(() -> Container.builder().memoryMB(2)).hasMessageContaining("between 6 and");
        assertThatThrownBy(() -> Container.builder().cpus(0)).hasMessageContaining("above 0");
    }

    @Test
    void aPluginWithoutMultiplexingIsRefusedBeforeAnythingRuns() {
        Container container = Container.builder().image(IMAGE).engine(Path.of("/bin/true")).build();
        assertThatThrownBy(() -> container.start(launch(Map.of(), List.of())))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("plugin 'KV plugin': a plugin in a container needs gRPC broker multiplexing")
                .satisfies(e -> assertThat(((PluginStartException) e).kind())
                        .isEqualTo(PluginStartException.Kind.INCOMPATIBLE));
    }

    @Test
    void limitsOfTheHostAreRefusedForAContainer() {
        Container container = Container.builder().image(IMAGE).engine(Path.of("/bin/true")).build();
        assertThatThrownBy(() -> container.start(launch(Map.of(PluginEnv.MULTIPLEX_GRPC, "true"),
                List.of("/usr/bin/limit-wrapper"))))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("Limits (the host's cgroups) cannot reach into a container");
    }

    @Test
    void withoutAnEngineTheStartFailsSayingSo() {
        Container container = Container.builder().image(IMAGE).engine(sockets.resolve("no-podman")).build();
        assertThatThrownBy(() -> container.start(launch(Map.of(PluginEnv.MULTIPLEX_GRPC, "true"), List.of())))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("the container runner needs podman or docker; " + sockets.resolve("no-podman")
                        + " is not an executable file")
                .satisfies(e -> assertThat(((PluginStartException) e).kind())
                        .isEqualTo(PluginStartException.Kind.RUNNER_UNAVAILABLE));
    }
}
