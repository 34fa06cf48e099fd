package dev.outpost.host;

import dev.outpost.PluginStartException.Kind;
import dev.outpost.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link Runner} that confines the plugin with bubblewrap ({@code bwrap}, Linux): the plugin sees the
 * system's directories ({@code /usr}, {@code /etc}, {@code /bin}, {@code /lib}...) read-only and nothing
 * else of the host's files but its working directory and what its command reads (read-only), the
 * {@link Builder#readable readable} paths (read-only), the {@link Builder#writable writable} paths and its
 * socket directory (writable); a {@code /tmp} of its own; no network, unless {@link Builder#network
 * allowed}; no other process (its own PID namespace); no capabilities. {@code TMPDIR} and {@code
 * PLUGIN_UNIX_SOCKET_DIR} both name the socket directory, so plugins that honour only {@code TMPDIR}
 * (go-plugin before 1.5) make their socket where the host can reach it. It dies with the host
 * ({@code --die-with-parent}, and the orphan guard).
 *
 * <p>Without bubblewrap the plugin is not started: the start fails with {@link Kind#RUNNER_UNAVAILABLE}
 * and "sandbox needs bubblewrap (Debian: apt-get install bubblewrap)". It never runs unconfined.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.builder()
 *         .handshake(HandshakeConfig.of(1, "BASIC_PLUGIN", "hello"))
 *         .command("/opt/plugins/kv/kv-plugin")
 *         .workingDirectory(Path.of("/opt/plugins/kv"))
 *         .runner(Sandbox.builder().writable(Path.of("/opt/plugins/kv/data")).build())
 *         .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
 *         .build();
 * }</pre>
 */
public final class Sandbox implements Runner {

    /** What the start says when there is no bubblewrap; kept exact, operators search for it. */
    static final String NEEDS_BUBBLEWRAP = "sandbox needs bubblewrap (Debian: apt-get install bubblewrap)";

    private final boolean network;
    private final List<Path> readable;
    private final List<Path> writable;
    private final Path bubblewrap;

    private Sandbox(Builder builder) {
        this.network = builder.network;
        this.readable = List.copyOf(builder.readable);
        this.writable = List.copyOf(builder.writable);
        this.bubblewrap = builder.bubblewrap;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether the plugin shares the host's network; false by default. */
    public boolean network() {
        return network;
    }

    /** Paths the plugin may read, besides its working directory and what its command reads. */
    public List<Path> readable() {
        return readable;
    }

    /** Paths the plugin may write, besides its socket directory. */
    public List<Path> writable() {
        return writable;
    }

    @Override
    public Launched start(Launch launch) throws IOException {
        Path bwrap = bubblewrap != null ? bubblewrap : Runners.onPath("bwrap").orElse(null);
        if (bwrap == null || !Files.isExecutable(bwrap)) {
            throw Runners.refused(launch, Kind.RUNNER_UNAVAILABLE, NEEDS_BUBBLEWRAP
                    + (bubblewrap != null ? "; " + bubblewrap + " is not an executable file" : "; no bwrap on PATH"));
        }
        for (Path path : readable) {
            requireExisting(launch, path, "readable");
        }
        for (Path path : writable) {
            requireExisting(launch, path, "writable");
        }
        Map<String, String> environment = new LinkedHashMap<>(launch.environment());
        environment.put("TMPDIR", launch.socketDirectory().toString());
        List<String> command = Bubblewrap.command(bwrap, this, launch);
        Process process = launch.with(command, environment).processBuilder().start();
        return new Confined(process, network);
    }

    private static void requireExisting(Launch launch, Path path, String what) {
        if (!Files.exists(path)) {
            throw Runners.refused(launch, Kind.RUNNER_UNAVAILABLE, "sandbox: " + what + " path " + path
                    + " does not exist");
        }
    }

    @Override
    public String toString() {
        return "sandbox(network=" + network + ", readable=" + readable + ", writable=" + writable + ")";
    }

    /** A sandboxed process: a TCP address without the host's network is the sandbox's own loopback. */
    private record Confined(Process process, boolean network) implements Launched {
        @Override
        public String pluginToHost(Network kind, String address) {
            if (kind == Network.TCP && !network) {
                throw new IllegalArgumentException("the sandbox has no network, so its loopback is not the "
                        + "host's; let the plugin listen on a Unix socket in PLUGIN_UNIX_SOCKET_DIR, or allow "
                        + "the sandbox network");
            }
            return address;
        }
    }

    /** Builds a {@link Sandbox}. */
    public static final class Builder {
        private boolean network;
        private final List<Path> readable = new ArrayList<>();
        private final List<Path> writable = new ArrayList<>();
        private Path bubblewrap;

        private Builder() {
        }

        /** Lets the plugin use the host's network (default false: only a loopback of its own). */
        public Builder network(boolean allowed) {
            this.network = allowed;
            return this;
        }

        /** Lets the plugin read {@code path} (made absolute), which must exist when the plugin starts. */
        public Builder readable(Path path) {
            readable.add(Objects.requireNonNull(path, "path").toAbsolutePath().normalize());
            return this;
        }

        /** Lets the plugin write {@code path} (made absolute), which must exist when the plugin starts. */
        public Builder writable(Path path) {
            writable.add(Objects.requireNonNull(path, "path").toAbsolutePath().normalize());
            return this;
        }

        /** The {@code bwrap} program; by default the first on {@code PATH}. */
        public Builder bubblewrap(Path program) {
            this.bubblewrap = Objects.requireNonNull(program, "program");
            return this;
        }

        public Sandbox build() {
            return new Sandbox(this);
        }
    }
}
