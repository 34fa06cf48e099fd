package dev.outpost.host;

import dev.outpost.Network;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.wire.PluginEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Runner} that runs the plugin in a container, with the Podman or Docker command line, as Vault
 * runs its containerized plugins: the image pinned by digest, no network ({@code --network none}) unless
 * allowed, every capability dropped, no new privileges, a read-only root with a private {@code /tmp}, the
 * host's user and group (so the plugin can use its socket directory), memory and CPU limits, and the
 * plugin's socket directory bind-mounted at the same path, so its socket is where the host looks for it.
 * The container's name is {@code outpost-<plugin>-<random>}; it is removed when the plugin stops, also
 * when the engine's client process was killed.
 *
 * <p>The plugin's command is what runs inside the image (its program as the image has it, and its
 * arguments). The plugin must support go-plugin's broker multiplexing ({@link
 * ClientConfig.Builder#multiplexBroker(boolean)}, go-plugin 1.6+), as Vault requires: the host then opens
 * one connection to the plugin's socket and nothing else. The go-plugin variables and the config's own
 * reach the container by name ({@code --env NAME}, the values through the engine's environment, so the
 * AutoMTLS certificate is not on a command line), and {@code TMPDIR} names the socket directory; the
 * host's other variables do not.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.builder()
 *         .handshake(new HandshakeConfig(1, "BASIC_PLUGIN", "hello"))
 *         .command("/kv-plugin")
 *         .multiplexBroker(true)
 *         .runner(Container.builder()
 *                 .image("registry.example.com/kv-plugin@sha256:" + "0".repeat(64))
 *                 .memoryMB(128).cpus(0.5).build())
 *         .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
 *         .build();
 * }</pre>
 *
 * <p>Without an engine the plugin is not started: the start fails with {@link Kind#RUNNER_UNAVAILABLE}.
 * {@link Limits} (cgroups of the host) cannot reach into a container: a launch with them is refused, and
 * the container's own limits ({@link Builder#memoryMB}, {@link Builder#cpus}) are what to use.
 */
public final class Container implements Runner {

    private static final Logger LOG = LoggerFactory.getLogger(Container.class);
    /** An image reference pinned by its content: {@code name@sha256:<64 hex digits>}. */
    private static final Pattern PINNED = Pattern.compile("[^@\\s]+@sha256:[0-9a-f]{64}");

    private final Path engine;
    private final String image;
    private final boolean network;
    private final long memoryMB;
    private final double cpus;

    private Container(Builder builder) {
        this.engine = builder.engine;
        this.image = Objects.requireNonNull(builder.image, "image is required");
        this.network = builder.network;
        this.memoryMB = builder.memoryMB;
        this.cpus = builder.cpus;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The image, pinned by digest. */
    public String image() {
        return image;
    }

    @Override
    public Launched start(Launch launch) throws IOException {
        Path program = engine != null ? engine
                : Runners.onPath("podman").or(() -> Runners.onPath("docker")).orElse(null);
        if (program == null || !Files.isExecutable(program)) {
            throw Runners.refused(launch, Kind.RUNNER_UNAVAILABLE, "the container runner needs podman or docker"
                    + (engine != null ? "; " + engine + " is not an executable file" : "; neither is on PATH"));
        }
        if (!"true".equals(launch.environment().get(PluginEnv.MULTIPLEX_GRPC))) {
            throw Runners.refused(launch, Kind.INCOMPATIBLE, "a plugin in a container needs gRPC broker "
                    + "multiplexing (ClientConfig.Builder.multiplexBroker(true); go-plugin 1.6+ plugins support it), "
                    + "as Vault requires for containerized plugins");
        }
        if (!launch.wrapper().isEmpty()) {
            throw Runners.refused(launch, Kind.INCOMPATIBLE, "Limits (the host's cgroups) cannot reach into a "
                    + "container; give the container its limits instead: Container.builder().memoryMB(...).cpus(...)");
        }
        String name = "outpost-" + launch.pluginName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]", "-")
                + "-" + UUID.randomUUID().toString().substring(0, 8);
        long uid = ((Number) Files.getAttribute(launch.socketDirectory(), "unix:uid")).longValue();
        long gid = ((Number) Files.getAttribute(launch.socketDirectory(), "unix:gid")).longValue();
        // Rootless Podman maps container users to other ids: keep-id keeps the host user's, who owns the sockets.
        boolean keepId = uid != 0 && program.getFileName().toString().startsWith("podman");
        Map<String, String> passed = passedEnvironment(launch, System.getenv());
        ProcessBuilder builder = new ProcessBuilder(command(program, name, uid + ":" + gid, keepId, passed.keySet(),
                launch));
        // The engine's own environment (its socket, its runtime directory), and the plugin's variables by value.
        builder.environment().putAll(passed);
        builder.redirectInput(launch.stdin());
        Process process = builder.start();
        return new Contained(process, program, name);
    }

    /**
     * What reaches the container by name: the variables the host set for the plugin (go-plugin's, the
     * config's), not the ones it inherited from the host's environment. ({@code TMPDIR}, the socket
     * directory inside, is given by value: the engine's own {@code TMPDIR} stays its own.)
     */
    static Map<String, String> passedEnvironment(Launch launch, Map<String, String> hostEnvironment) {
        Map<String, String> passed = new java.util.TreeMap<>();
        launch.environment().forEach((key, value) -> {
            if (!key.equals("TMPDIR") && !value.equals(hostEnvironment.get(key))) {
                passed.put(key, value);
            }
        });
        return passed;
    }

    /**
     * The engine's command line for {@code launch}, in container {@code name}, as user {@code user}
     * ({@code uid:gid}), passing {@code variables} by name.
     */
    List<String> command(Path program, String name, String user, boolean keepId,
                         java.util.Collection<String> variables, Launch launch) {
        String sockets = launch.socketDirectory().toAbsolutePath().toString();
        List<String> command = new ArrayList<>(List.of(program.toString(), "run", "--rm", "--name", name,
                "--network", network ? "bridge" : "none", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--read-only", "--tmpfs", "/tmp", "--user", user,
                "--volume", sockets + ":" + sockets));
        if (keepId) {
            command.addAll(List.of("--userns", "keep-id"));
        }
        if (memoryMB > 0) {
            command.addAll(List.of("--memory", memoryMB + "m"));
        }
        if (cpus > 0) {
            command.addAll(List.of("--cpus", Double.toString(cpus)));
        }
        command.addAll(List.of("--env", "TMPDIR=" + sockets));
        for (String variable : variables) {
            command.addAll(List.of("--env", variable));
        }
        command.add(image);
        command.addAll(launch.command());
        return command;
    }

    @Override
    public String toString() {
        return "container(" + image + ", network=" + network + (memoryMB > 0 ? ", memory " + memoryMB + " MB" : "")
                + (cpus > 0 ? ", cpus " + cpus : "") + ")";
    }

    /** A container's engine client: the container's TCP addresses are its own, never the host's. */
    private record Contained(Process process, Path program, String name) implements Launched {

        @Override
        public String pluginToHost(Network kind, String address) {
            if (kind == Network.TCP) {
                throw new IllegalArgumentException("a TCP address inside the container is not the host's; let the "
                        + "plugin listen on a Unix socket in PLUGIN_UNIX_SOCKET_DIR, which is shared with the host");
            }
            return address;
        }

        /** The container goes too: a killed engine client ({@code --rm} is its job) can leave it running. */
        @Override
        public void release() {
            try {
                Process remove = new ProcessBuilder(program.toString(), "rm", "--force", name)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!remove.waitFor(10, TimeUnit.SECONDS)) {
                    remove.destroyForcibly();
                    LOG.warn("container {} of plugin: '{} rm --force' did not finish within 10 s", name, program);
                }
            } catch (IOException e) {
                LOG.warn("cannot remove container {}: {}", name, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Builds a {@link Container}. */
    public static final class Builder {
        private Path engine;
        private String image;
        private boolean network;
        private long memoryMB;
        private double cpus;

        private Builder() {
        }

        /**
         * The image, pinned by its digest ({@code name@sha256:...}): a tag can be moved to other content,
         * a digest cannot. Required.
         *
         * @throws IllegalArgumentException when {@code image} has no digest
         */
        public Builder image(String image) {
            Objects.requireNonNull(image, "image");
            if (!PINNED.matcher(image).matches()) {
                throw new IllegalArgumentException("container image \"" + image + "\" is not pinned by digest; "
                        + "expected name@sha256:<64 hex digits> (see `podman image inspect --format "
                        + "'{{.Digest}}'`)");
            }
            this.image = image;
            return this;
        }

        /** The engine's program ({@code podman} or {@code docker}); by default podman, else docker, on PATH. */
        public Builder engine(Path program) {
            this.engine = Objects.requireNonNull(program, "program");
            return this;
        }

        /** Gives the container the engine's default network (default false: {@code --network none}). */
        public Builder network(boolean allowed) {
            this.network = allowed;
            return this;
        }

        /** The container's memory limit in MB, at least 6 (the engines' minimum); none by default. */
        public Builder memoryMB(long megabytes) {
            if (megabytes < 6 || megabytes > 1L << 30) {
                throw new IllegalArgumentException("container memoryMB must be between 6 and 2^30, got " + megabytes);
            }
            this.memoryMB = megabytes;
            return this;
        }

        /** The CPUs the container may use, e.g. 0.5; none by default. */
        public Builder cpus(double cpus) {
            if (!(cpus > 0) || cpus > 1024) {
                throw new IllegalArgumentException("container cpus must be above 0 and at most 1024, got " + cpus);
            }
            this.cpus = cpus;
            return this;
        }

        public Container build() {
            return new Container(this);
        }
    }
}
