package dev.outpost.cli;

import dev.outpost.PluginUnavailableException;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.host.PluginExit;
import dev.outpost.PluginStartException;
import dev.outpost.HandshakeConfig;
import dev.outpost.HandshakeLine;
import dev.outpost.internal.wire.proto.Empty;
import dev.outpost.internal.wire.proto.GRPCControllerGrpc;
import dev.outpost.internal.wire.proto.GRPCStdioGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Checks that a command is a well-behaved go-plugin gRPC plugin, from the outside, as a host sees it.
 * Each check says what it saw; a failed required check makes the plugin non-conforming.
 */
final class PluginCheck {

    private static final int LATENCY_PROBES = 200;

    private final List<String> command;
    private final HandshakeConfig handshake;
    private final List<Integer> versions;
    private final String cookieOption;
    private final boolean autoMtls;
    private final List<Check> checks = new ArrayList<>();

    PluginCheck(List<String> command, HandshakeConfig handshake, List<Integer> versions, String cookieOption,
                boolean autoMtls) {
        this.command = command;
        this.handshake = handshake;
        this.versions = versions;
        this.cookieOption = cookieOption;
        this.autoMtls = autoMtls;
    }

    static ClientConfig.Builder config(List<String> command, HandshakeConfig handshake, List<Integer> versions) {
        ClientConfig.Builder config = ClientConfig.builder().handshake(handshake).command(command)
                .startTimeout(Duration.ofSeconds(60)).gracefulTimeout(Duration.ofSeconds(2)).stdout(line -> { });
        versions.forEach(version -> config.plugin(version, HandshakeOptions.ANY_NAME, HandshakeOptions.ANY));
        return config;
    }

    List<Check> run() {
        long launched = System.nanoTime();
        PluginClient plugin;
        try {
            plugin = PluginClient.start(config(command, handshake, versions).autoMtls(autoMtls).build());
        } catch (PluginStartException e) {
            checks.add(Check.fail("handshake", true, e.getMessage()));
            if (autoMtls) {
                checks.add(Check.skip("automtls", true, "the plugin did not start"));
            }
            for (String skipped : List.of("protocol version", "network", "health service", "stdio service", "broker",
                    "start time", "memory (RSS)", "latency (health check)", "controller shutdown",
                    "exits when the host disappears", "broker multiplexing")) {
                checks.add(Check.skip(skipped, false, "the plugin did not start"));
            }
            return checks;
        }
        long startMillis = (System.nanoTime() - launched) / 1_000_000;
        HandshakeLine line = plugin.handshake();
        try {
            checks.add(Check.pass("handshake", true, shorten(line.format())));
            checks.add(Check.pass("protocol version", true, "negotiated " + plugin.negotiatedVersion()
                    + " of offered " + versions));
            checks.add(Check.pass("network", true, line.network().wireName() + " " + line.address()));
            checks.add(health(plugin));
            if (autoMtls) {
                checks.add(plugin.pluginCertificate()
                        .map(cert -> Check.pass("automtls", true, "mutual TLS with the plugin's certificate pinned ("
                                + cert.getSubjectX500Principal().getName() + ", " + cert.getPublicKey().getAlgorithm()
                                + "); calls over it answered"))
                        .orElseGet(() -> Check.fail("automtls", true, "no certificate in the handshake")));
            }
            checks.add(stdio(plugin));
            checks.add(plugin.broker().isClosed()
                    ? Check.fail("broker", false, "GRPCBroker not served: callbacks through the broker are unavailable")
                    : Check.pass("broker", false, "GRPCBroker stream open"));
            checks.add(Check.pass("start time", false, startMillis + " ms from launch to a healthy plugin"));
            checks.add(memory(plugin.pid()));
            checks.add(latency(plugin));
        } finally {
            checks.add(shutdown(plugin));
        }
        checks.add(orphan());
        checks.add(multiplexing());
        return checks;
    }

    /**
     * Starts the plugin again, asking for go-plugin's broker multiplexing (go-plugin 1.6+ hosts'
     * {@code GRPCBrokerMultiplex}, which Vault sets for its container plugins): it must answer true and
     * serve gRPC over the one connection. Optional: most plugins do not, and most hosts do not ask.
     */
    private Check multiplexing() {
        String name = "broker multiplexing";
        try (PluginClient plugin = PluginClient.start(config(command, handshake, versions).autoMtls(autoMtls)
                .multiplexBroker(true).build())) {
            plugin.ping();
            return Check.pass(name, false, "answered true; health checked over a stream of its one multiplexed "
                    + "connection");
        } catch (PluginStartException | PluginUnavailableException e) {
            String message = e.getMessage();
            int reason = message.indexOf("does not support gRPC broker multiplexing");
            return Check.fail(name, false, (reason >= 0 ? message.substring(reason) : message).lines().findFirst()
                    .orElse(message));
        }
    }

    private static Check health(PluginClient plugin) {
        try {
            plugin.ping();
            return Check.pass("health service", true, "grpc.health.v1.Health/Check(\"plugin\") answered");
        } catch (PluginUnavailableException e) {
            return Check.fail("health service", true, e.getMessage());
        }
    }

    private static Check stdio(PluginClient plugin) {
        try {
            var stream = GRPCStdioGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                    .streamStdio(com.google.protobuf.Empty.getDefaultInstance());
            stream.hasNext();
            return Check.pass("stdio service", false, "GRPCStdio stream served");
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                return Check.pass("stdio service", false, "GRPCStdio stream held open");
            }
            return Check.fail("stdio service", false, "GRPCStdio " + e.getStatus().getCode()
                    + " (hosts before go-plugin 1.1 do not use it; newer ones warn)");
        }
    }

    private static Check memory(long pid) {
        try {
            for (String status : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (status.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(status.replaceAll("\\D", ""));
                    return Check.pass("memory (RSS)", false, String.format("%.1f MB", kb / 1024.0));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Check.skip("memory (RSS)", false, "cannot read /proc: " + e.getMessage());
        }
        return Check.skip("memory (RSS)", false, "no VmRSS in /proc");
    }

    private static Check latency(PluginClient plugin) {
        long[] micros = new long[LATENCY_PROBES];
        try {
            for (int i = 0; i < 20; i++) {
                plugin.ping();
            }
            for (int i = 0; i < micros.length; i++) {
                long started = System.nanoTime();
                plugin.ping();
                micros[i] = (System.nanoTime() - started) / 1000;
            }
        } catch (PluginUnavailableException e) {
            return Check.fail("latency (health check)", false, e.getMessage());
        }
        Arrays.sort(micros);
        return Check.pass("latency (health check)", false, "p50 " + micros[micros.length / 2] + " µs, p99 "
                + micros[micros.length * 99 / 100] + " µs over " + LATENCY_PROBES + " calls");
    }

    /**
     * Asks the plugin to shut down through {@code plugin.GRPCController}, as a go-plugin host does, and
     * times its exit. A plugin without the service is a warning, not a failure: go-plugin hosts accept
     * it (they wait 2 s, then kill it), and so does this check.
     */
    private static Check shutdown(PluginClient plugin) {
        String name = "controller shutdown";
        long started = System.nanoTime();
        Status.Code answer = Status.Code.OK;
        try {
            GRPCControllerGrpc.newBlockingStub(plugin.channel()).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .shutdown(Empty.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            // Go plugins stop serving before their answer leaves: UNAVAILABLE is a clean shutdown.
            answer = e.getStatus().getCode();
        }
        plugin.close();
        long millis = (System.nanoTime() - started) / 1_000_000;
        PluginExit exit = plugin.onExit().join();
        if (answer == Status.Code.UNIMPLEMENTED) {
            return Check.fail(name, false, "no plugin.GRPCController service: go-plugin hosts wait 2 s for such a "
                    + "plugin, then kill it; it " + exit.describe() + " after " + millis + " ms");
        }
        if (exit.clean() && millis < 2000) {
            return Check.pass(name, true, "exited with status 0 " + millis + " ms after "
                    + "GRPCController.Shutdown");
        }
        return Check.fail(name, true, "after GRPCController.Shutdown (" + answer + ") it " + exit.describe()
                + " after " + millis + " ms" + (millis >= 2000 ? " (it had to be signalled)" : ""));
    }

    /**
     * Starts the plugin under a helper host, kills that host with SIGKILL, and watches the plugin. The
     * helper host and the plugin keep their sockets in a directory of the check's own, removed afterwards:
     * a host killed with SIGKILL cannot clean up.
     */
    private Check orphan() {
        String name = "exits when the host disappears";
        Path scratch;
        try {
            scratch = Files.createTempDirectory("outpost-check-");
        } catch (IOException e) {
            return Check.skip(name, false, "cannot create a directory for the probe host: " + e.getMessage());
        }
        List<String> probe = new ArrayList<>(List.of(javaBinary(), "-Djava.io.tmpdir=" + scratch, "-cp",
                System.getProperty("java.class.path"), OrphanProbe.class.getName(), "--cookie", cookieOption,
                "--versions", String.join(",", versions.stream().map(String::valueOf).toList()), "--"));
        probe.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(probe).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("TMPDIR", scratch.toString());
        Process host = null;
        try {
            host = builder.start();
            String announced = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (announced == null || !announced.startsWith("PLUGIN ")) {
                return Check.skip(name, false, "the probe host could not start the plugin");
            }
            Optional<ProcessHandle> plugin = ProcessHandle.of(Long.parseLong(announced.split(" ")[1]));
            host.destroyForcibly();
            host.waitFor(10, TimeUnit.SECONDS);
            if (plugin.isEmpty()) {
                return Check.pass(name, false, "gone with its host");
            }
            long killed = System.nanoTime();
            try {
                plugin.get().onExit().get(5, TimeUnit.SECONDS);
                return Check.pass(name, false, "exited " + (System.nanoTime() - killed) / 1_000_000
                        + " ms after its host was killed");
            } catch (java.util.concurrent.TimeoutException e) {
                plugin.get().destroyForcibly();
                plugin.get().onExit().get(10, TimeUnit.SECONDS);
                return Check.fail(name, false, "still running 5 s after its host was killed (an orphan); killed it");
            }
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return Check.skip(name, false, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.skip(name, false, "interrupted");
        } finally {
            if (host != null) {
                host.destroyForcibly();
            }
            deleteRecursively(scratch);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }

    private static String shorten(String text) {
        return text.length() > 120 ? text.substring(0, 117) + "..." : text;
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
