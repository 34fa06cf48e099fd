package dev.outpost.cli;

import dev.outpost.console.PluginConsole;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.metrics.PluginMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code outpost run DIR}: supervises every plugin of a directory, in any language, without knowing
 * their interfaces: handshake, health, crash detection, restarts, reloads of changed files.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Supervise every plugin of DIR until Ctrl-C or SIGTERM. On a terminal, a live table; otherwise"
                + " one line per state change: <id> <OLD> -> <NEW> [reason]. With --json, one JSON object per line.",
                "Entries of DIR that are not plugins (not executable, a folder without plugin.json, a broken link or"
                + " a symlink loop, unreadable) are reported once each, as warnings on stderr: ./outpost shows them"
                + " even at its default log level (error); OUTPOST_LOG_LEVEL sets every logger's level.",
                "A plugin whose plugin.json names its \"magicCookie\" (as outpost-maven-plugin writes it) is started"
                + " with that cookie; --cookie is for the others."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    HandshakeOptionsMixin options;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = {"Print each state change as one JSON object per line on stdout, and"
            + " nothing else there (no table; outpost's own messages go to stderr). Fields: id; from and to (states);"
            + " reason (one line, may be empty); at (ISO-8601, UTC); pid (null without a process); restarts;"
            + " lastExitCode (of its last process that exited after starting; null until one did); stderrTail"
            + " (the plugin's last stderr lines, oldest first)."})
    boolean json;

    @Option(names = "--http", paramLabel = "HOST:PORT", description = {"Serve the web console there (port 0: any"
            + " free port) and print its address once: console http://HOST:PORT/#token=TOKEN (on stderr with --json)."
            + " The page shows every plugin live, with buttons to restart, stop, start, enable, disable and reload;"
            + " the JSON API is under /api/plugins, the Prometheus metrics at /metrics. Every request but the page's"
            + " own files needs the header 'Authorization: Bearer TOKEN'.",
            "Only a loopback address (127.0.0.1, [::1], localhost) unless --http-allow-remote."})
    String http;

    @Option(names = "--http-allow-remote", description = "Let --http listen on an address other machines can reach."
            + " The token travels in clear text over plain HTTP: put a TLS proxy in front.")
    boolean httpAllowRemote;

    @Parameters(paramLabel = "DIR", description = "The plugins directory.")
    Path directory;

    @Option(names = "--max-message-mib", paramLabel = "MIB", defaultValue = "64",
            description = "The largest message a plugin may send, in MiB (default ${DEFAULT-VALUE}: the outpost"
                    + " command's 256 MB heap holds it a few times over; go-plugin allows up to 2048). A larger"
                    + " message fails its call alone.")
    int maxMessageMib;

    @Option(names = "--sandbox", description = {"Run every plugin in a bubblewrap sandbox (Linux): the system's"
            + " directories read-only, the plugin's folder read-only, a private /tmp, no network, no other process,"
            + " writable only its socket directory and the paths its plugin.json lists under \"sandbox\"."
            + " Without bubblewrap the plugins fail to start; none runs unconfined."})
    boolean sandbox;

    @Override
    public Integer call() throws InterruptedException {
        if (maxMessageMib < 1 || maxMessageMib > 2048) {
            throw new ParameterException(spec.commandLine(),
                    "--max-message-mib must be from 1 to 2048, got " + maxMessageMib);
        }
        InetSocketAddress consoleAddress = consoleAddress();
        PrintStream out = System.out;
        // In JSON, stdout holds events only: a reader parses every line.
        PrintStream notes = json ? System.err : out;
        boolean terminal = !json && System.console() != null;
        CountDownLatch stop = new CountDownLatch(1);
        for (String signal : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), caught -> stop.countDown());
        }
        PluginManager.Builder builder = PluginManager.builder().directory(directory).handshake(options.handshake())
                .watch(true).magicCookieFromManifests(true).sandboxAll(sandbox)
                .maxMessageSize((int) Math.min(Integer.MAX_VALUE, maxMessageMib * 1024L * 1024L));
        options.versions().forEach(version -> builder.plugin(version, HandshakeOptions.ANY_NAME, HandshakeOptions.ANY));
        PrometheusMeterRegistry registry = null;
        if (consoleAddress != null) {
            // On the builder, so that the metrics count from the first start on.
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            PluginMetrics metrics = new PluginMetrics(registry);
            builder.listener(metrics).callListener(metrics);
        }
        try (PluginManager manager = builder.build(); PluginConsole console = console(manager, consoleAddress, registry)) {
            String consoleLine = console == null ? null : "console " + console.link();
            if (consoleLine != null) {
                // Before the plugins start: the page shows them starting.
                notes.println(consoleLine);
                notes.flush();
            }
            manager.addListener(event -> {
                if (json) {
                    out.println(EventJson.of(event));
                    out.flush();
                    return;
                }
                if (terminal) {
                    out.print("\033[H\033[2J");
                    out.println("outpost run " + directory + "  (Ctrl-C stops every plugin)");
                    if (consoleLine != null) {
                        out.println(consoleLine);
                    }
                    StateTable.print(manager.plugins(), Map.of(), out);
                    out.println();
                }
                out.println(event);
                out.flush();
            });
            manager.start();
            stop.await();
            notes.println("outpost: stopping " + manager.plugins().size() + " plugins");
        } catch (UncheckedIOException e) {
            // The console's port is taken, or the directory cannot be read: said plainly, no stack trace.
            System.err.println("outpost: " + e.getMessage());
            return 1;
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
        notes.println("outpost: stopped");
        return 0;
    }

    /** The console's address, or null without {@code --http}; a usage error when it is not acceptable. */
    private InetSocketAddress consoleAddress() {
        if (http == null) {
            if (httpAllowRemote) {
                throw new ParameterException(spec.commandLine(), "--http-allow-remote needs --http HOST:PORT");
            }
            return null;
        }
        InetSocketAddress address;
        try {
            address = HttpAddress.parse(http);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!address.getAddress().isLoopbackAddress() && !httpAllowRemote) {
            throw new ParameterException(spec.commandLine(), "--http " + http + " is not a loopback address: other"
                    + " machines could reach the console; add --http-allow-remote to allow it, or use 127.0.0.1");
        }
        return address;
    }

    private PluginConsole console(PluginManager manager, InetSocketAddress address, PrometheusMeterRegistry registry) {
        if (address == null) {
            return null;
        }
        PluginConsole.Builder console = PluginConsole.builder(manager).address(address).metrics(registry);
        if (httpAllowRemote) {
            console.allowNonLoopback();
        }
        return console.start();
    }
}
