package dev.outpost.cli;

import dev.outpost.PluginException;
import dev.outpost.examples.iglu.Device;
import dev.outpost.examples.iglu.DeviceState;
import dev.outpost.examples.iglu.Iglu;
import dev.outpost.examples.iglu.IgluPlugins;
import dev.outpost.examples.iglu.UnknownDeviceException;
import dev.outpost.examples.iglu.host.IgluHome;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code outpost demo}: the Iglu smart-home host on the bundled device plugins (Java, and Go and
 * Python when they were built/are runnable here): state table, calls, a crash on purpose, a reload
 * to a new version under load, and a summary. Builds and downloads nothing.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the Iglu smart-home host on its bundled plugins: calls, a crash, a reload, a summary.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--home", description = "The Outpost checkout (default: found from this jar).")
    Path home;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path root = home != null ? home : defaultHome();
        // The folder outpost-maven-plugin packaged; the demo writes manifests of its own pointing at its jars.
        Path manifest = root.resolve("examples/iglu/amazing-plugin/target/outpost/amazing/plugin.json");
        if (!Files.isRegularFile(manifest)) {
            out.println("outpost demo: " + manifest + " is missing; build first: ./mvnw -q -DskipTests package");
            return 1;
        }
        Amazing amazing = Amazing.of(manifest);
        Path plugins = Files.createTempDirectory("outpost-demo-");
        try {
            writeAmazing(plugins, amazing, "v0.1.0");
            Path bundled = root.resolve("examples/iglu/plugins");
            if (pythonWithGrpc() && Files.isDirectory(bundled.resolve("python-sensor"))) {
                copy(bundled.resolve("python-sensor"), plugins.resolve("python-sensor"));
            }
            if (Files.isExecutable(bundled.resolve("go-thermostat"))) {
                Files.copy(bundled.resolve("go-thermostat"), plugins.resolve("go-thermostat"),
                        StandardCopyOption.COPY_ATTRIBUTES);
            }
            return demo(plugins, amazing, out);
        } finally {
            delete(plugins);
        }
    }

    private int demo(Path plugins, Amazing packaged, PrintStream out) throws Exception {
        Instant begin = Instant.now();
        BlockingQueue<PluginEvent> changes = new LinkedBlockingQueue<>();
        Map<String, Long> lastCall = new ConcurrentHashMap<>();
        out.println("== Iglu: starting the plugins in " + plugins.getFileName());
        try (PluginManager manager = IgluHome.manager(plugins).listener(event -> {
            changes.add(event);
            out.printf("   %6d ms  %s%n", Duration.between(begin, event.at()).toMillis(), event);
        }).build()) {
            manager.start();
            out.println();
            StateTable.print(manager.plugins(), lastCall, out);
            List<PluginInfo> running = manager.plugins().stream().filter(p -> p.state() == PluginState.RUNNING).toList();
            if (running.stream().noneMatch(p -> p.id().equals("amazing"))) {
                out.println("outpost demo: the amazing plugin did not start");
                return 1;
            }

            out.println();
            out.println("== Calls");
            for (PluginInfo plugin : running) {
                Iglu iglu = manager.dispense(plugin.id(), IgluPlugins.PLUGIN_NAME, Iglu.class);
                long started = System.nanoTime();
                List<Device> devices = iglu.devices();
                Device first = devices.get(0);
                Device changed = iglu.setState(first.id(), first.state().on() ? DeviceState.OFF : DeviceState.ON);
                lastCall.put(plugin.id(), (System.nanoTime() - started) / 2000);
                out.printf("   %-14s %d devices; switched %s %s%n", plugin.id(), devices.size(), changed.id(),
                        changed.state());
            }

            out.println();
            out.println("== Crash: SIGKILL to the amazing plugin");
            changes.clear();
            PluginInfo amazing = manager.plugin("amazing").orElseThrow();
            Instant killed = Instant.now();
            ProcessHandle.of(amazing.pid().orElseThrow()).ifPresent(ProcessHandle::destroyForcibly);
            PluginEvent crashed = awaitEvent(changes, "amazing", PluginState.CRASHED);
            PluginEvent back = awaitEvent(changes, "amazing", PluginState.RUNNING);
            long detectMillis = Duration.between(killed, crashed.at()).toMillis();
            long backMillis = Duration.between(killed, back.at()).toMillis();
            Iglu stable = manager.dispense("amazing", IgluPlugins.PLUGIN_NAME, Iglu.class);
            out.printf("   detected in %d ms, serving again after %d ms: %d devices%n", detectMillis, backMillis,
                    stable.devices().size());

            out.println();
            out.println("== Reload: amazing v0.1.0 -> v0.2.0 while 4 threads keep calling it");
            AtomicBoolean calling = new AtomicBoolean(true);
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            List<Thread> callers = Stream.generate(() -> new Thread(() -> {
                while (calling.get()) {
                    try {
                        stable.getManifest();
                        calls.incrementAndGet();
                    } catch (PluginException e) {
                        failed.incrementAndGet();
                    }
                }
            })).limit(4).toList();
            callers.forEach(Thread::start);
            writeAmazing(plugins, packaged, "v0.2.0");
            manager.reload("amazing");
            Thread.sleep(200);
            calling.set(false);
            for (Thread caller : callers) {
                caller.join();
            }
            out.printf("   now %s; %d calls during the reload, %d failed%n", stable.getManifest().version(),
                    calls.get(), failed.get());
            try {
                stable.setState("garage-door", DeviceState.ON);
            } catch (UnknownDeviceException e) {
                out.println("   a refused call keeps its type: UnknownDeviceException: " + e.getMessage());
            }

            out.println();
            StateTable.print(manager.plugins(), lastCall, out);
            out.println();
            out.println("== Stopping");
            manager.close();
            long stopped = manager.plugins().stream().filter(p -> p.state() == PluginState.STOPPED).count();
            out.printf("Summary: %d plugins (%s); crash detected in %d ms and recovered in %d ms; reload to v0.2.0"
                            + " with %d calls, %d failed; %d of %d stopped cleanly.%n",
                    running.size(), String.join(", ", running.stream().map(PluginInfo::id).toList()), detectMillis,
                    backMillis, calls.get(), failed.get(), stopped, running.size());
            return failed.get() == 0 && stopped == manager.plugins().size() ? 0 : 1;
        } catch (PluginException | UnknownDeviceException e) {
            out.println("outpost demo: " + e.getMessage());
            return 1;
        }
    }

    private static PluginEvent awaitEvent(BlockingQueue<PluginEvent> changes, String id, PluginState state)
            throws InterruptedException {
        while (true) {
            PluginEvent event = changes.poll(60, TimeUnit.SECONDS);
            if (event == null) {
                throw new IllegalStateException("plugin '" + id + "' did not reach " + state + " within 60 s");
            }
            if (event.id().equals(id) && event.to() == state) {
                return event;
            }
        }
    }

    /** The packaged amazing plugin: its main class and its class path, made absolute. */
    private record Amazing(String mainClass, List<String> classPath) {

        static Amazing of(Path manifest) {
            JsonNode packaged = new ObjectMapper().readTree(manifest.toFile());
            List<String> classPath = new ArrayList<>();
            packaged.get("classPath").forEach(entry -> classPath.add(
                    manifest.resolveSibling(entry.asString()).toAbsolutePath().normalize().toString()));
            return new Amazing(packaged.get("mainClass").asString(), List.copyOf(classPath));
        }
    }

    private static void writeAmazing(Path plugins, Amazing amazing, String version) throws IOException {
        Path folder = Files.createDirectories(plugins.resolve("amazing"));
        Path manifest = folder.resolve("plugin.json");
        Path temporary = folder.resolve(".plugin.json.tmp");
        ObjectNode json = new ObjectMapper().createObjectNode()
                .put("id", "amazing").put("name", "Amazing Plugin").put("version", version)
                .put("author", "Someone Amazing").put("description", "Two lights and a thermostat")
                .put("mainClass", amazing.mainClass());
        ArrayNode classPath = json.putArray("classPath");
        amazing.classPath().forEach(classPath::add);
        json.putArray("args").add("--version").add(version);
        json.putArray("protocolVersions").add(1);
        Files.writeString(temporary, json.toString(), StandardCharsets.UTF_8);
        Files.move(temporary, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The Python plugin needs Debian's python3-grpcio; without it the demo runs the other plugins. */
    private static boolean pythonWithGrpc() {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return false;
        }
        try {
            Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import grpc")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor(20, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path defaultHome() {
        String property = System.getProperty("outpost.home");
        if (property != null) {
            return Path.of(property);
        }
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().getParent().getParent();
        } catch (java.net.URISyntaxException e) {
            return Path.of(".");
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.toString().contains("__pycache__")) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
