package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.HandshakeConfig;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.Container;
import dev.outpost.host.PluginClient;
import dev.outpost.interop.soak.KvStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A go-plugin v1.8 KV plugin in a real container, run by {@link Container} with Podman: an image built
 * here from the static plugin alone ({@code FROM scratch}, so nothing is pulled), pinned by the digest
 * Podman gives it, multiplexed as Vault requires. Skipped, with the engine's own words, where Podman is
 * missing or cannot build or start a container (as on this project's CI machines); {@code ContainerTest}
 * checks the command line everywhere. Docker is not tried: a locally built image has no digest there
 * until it is pushed to a registry.
 */
@ExtendWith(LeakCheck.class)
class ContainerRunIT {

    private static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");

    private static Optional<Path> podman() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "podman")).filter(Files::isExecutable)
                .findFirst();
    }

    /** Runs podman; a failure skips the test with what podman said. */
    private static String podman(Path podman, String what, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(podman.toString()));
        command.addAll(List.of(args));
        Peers.Result result = Peers.run(command, Map.of(), 300);
        Assumptions.assumeTrue(result.exitCode() == 0, () -> "podman cannot " + what + " here (exit "
                + result.exitCode() + "): " + (result.stdout() + result.stderr()).strip());
        return result.stdout().strip();
    }

    @Test
    void aMultiplexedGoPluginServesFromAContainerPinnedByDigest(@TempDir Path context) throws Exception {
        Path podman = podman().orElse(null);
        Assumptions.assumeTrue(podman != null, "no podman on PATH: running a container needs an engine that can "
                + "start one (the command line is tested by ContainerTest)");
        Peers.buildWithV18();
        Files.copy(Path.of(Peers.go18Plugin()), context.resolve("kv-plugin"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(context.resolve("Containerfile"), "FROM scratch\nCOPY kv-plugin /kv-plugin\n");
        String tag = "localhost/outpost-container-it:" + UUID.randomUUID().toString().substring(0, 8);
        podman(podman, "build an image", "build", "--quiet", "--tag", tag, context.toString());
        try {
            String digest = podman(podman, "inspect the image", "image", "inspect", "--format", "{{.Digest}}", tag);
            String image = tag.substring(0, tag.lastIndexOf(':')) + "@" + digest;
            // The plugin without its cookie says so and exits 1: anything else is the engine's failure.
            Peers.Result smoke = Peers.run(List.of(podman.toString(), "run", "--rm", "--network", "none", image,
                    "/kv-plugin"), Map.of(), 120);
            String said = (smoke.stdout() + smoke.stderr()).strip();
            Assumptions.assumeTrue(said.contains("This binary is a plugin"), () -> "podman cannot start a "
                    + "container here: " + said);

            ClientConfig config = ClientConfig.builder().name("kv-in-container").handshake(HANDSHAKE)
                    .command("/kv-plugin").multiplexBroker(true)
                    .runner(Container.builder().engine(podman).image(image).memoryMB(64).build())
                    .plugin("kv", KvStore.plugin()).build();
            try (PluginClient plugin = PluginClient.start(config)) {
                KvStore kv = plugin.dispense("kv", KvStore.class);
                kv.put("where", "in a container".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(kv.get("where"), StandardCharsets.UTF_8)).isEqualTo("in a container");
            }
            assertThat(podman(podman, "list containers", "ps", "--all", "--filter", "name=outpost-kv-in-container",
                    "--format", "{{.Names}}")).as("containers left").isEmpty();
        } finally {
            Peers.run(List.of(podman.toString(), "rmi", "--force", tag), Map.of(), 120);
        }
    }
}
