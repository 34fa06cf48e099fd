package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.SocketGroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outpost against current go-plugin (v1.8.0, built from {@code ../shared/go-plugin-v1.8}), both ways:
 * a v1.8.0 Go host on the Java plugin and the Java host on a v1.8.0 Go plugin, each with and without
 * broker multiplexing, AutoMTLS and callbacks, stdio, socket directory and group, a crash and a hang
 * mid-call, and 20 MiB messages; and the Java host and plugin multiplexed together. Each test runs the
 * host as its own process and expects its PASS line.
 */
@ExtendWith(LeakCheck.class)
class InteropV18IT {

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.buildWithV18();
    }

    /** Where the plugins of one test keep what they keep in TMPDIR. */
    @TempDir
    Path scratch;

    /**
     * Runs a host with its plugin's TMPDIR in this test's scratch directory, and checks that nothing is
     * left there afterwards, except what a plugin that crashed (it cannot clean up), or go-plugin's own
     * multiplexed plugin (go-plugin 1.8 leaves its socket behind), leaves.
     */
    private Peers.Result host(String host, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(host));
        command.addAll(List.of(args));
        Path tmp = Files.createTempDirectory(scratch, "tmp");
        Peers.Result result = Peers.run(command, Map.of("TMPDIR", tmp.toString()), 120);
        boolean crashed = command.contains("--crash-key");
        boolean goMux = command.contains("--mux") && command.get(command.size() - 1).equals(Peers.go18Plugin())
                && host.equals(Peers.go18Host());
        if (result.exitCode() == 0 && !crashed && !goMux) {
            try (var left = Files.list(tmp)) {
                assertThat(left).as("left in the plugin's TMPDIR by %s", command).isEmpty();
            }
        }
        return result;
    }

    private static String[] args(String flags, String plugin) {
        List<String> args = new ArrayList<>(flags.isEmpty() ? List.of() : List.of(flags.split(" ")));
        args.add("--");
        args.add(plugin);
        return args.toArray(String[]::new);
    }

    // ---- a go-plugin v1.8.0 host on the Java plugin ------------------------------------------------

    @Test
    void goHostLoadsJavaPluginWithCallbacksAndAutoMtls() throws Exception {
        assertThat(host(Peers.go18Host(), args("", Peers.javaPlugin())).passed().lastLine()).contains("hello=\"world\"");
        assertThat(host(Peers.go18Host(), args("--counter", Peers.javaPlugin())).passed().lastLine())
                .contains("counter c=12", "Sum calls=2", "broker ids=1,2");
        assertThat(host(Peers.go18Host(), args("--automtls --counter", Peers.javaPlugin())).passed().lastLine())
                .contains("counter+automtls", "counter c=12", "over mutual TLS");
    }

    @Test
    void goHostMultiplexesTheJavaPlugin() throws Exception {
        assertThat(host(Peers.go18Host(), args("--mux", Peers.javaPlugin())).passed().lastLine())
                .contains("kv+mux", "broker multiplexed over one yamux session");
        assertThat(host(Peers.go18Host(), args("--mux --counter", Peers.javaPlugin())).passed().lastLine())
                .contains("counter+mux", "counter c=12", "Sum calls=2");
        assertThat(host(Peers.go18Host(), args("--mux --automtls --counter", Peers.javaPlugin())).passed().lastLine())
                .contains("counter+automtls+mux", "counter c=12", "2 callbacks over mutual TLS");
    }

    @Test
    void goHostGetsTheJavaPluginsPrintsThroughStdio() throws Exception {
        for (String flags : List.of("--stdio-test", "--mux --stdio-test")) {
            assertThat(host(Peers.go18Host(), args(flags, Peers.javaPlugin())).passed().lastLine())
                    .contains("\"kv-print stdout: put key=hello bytes=5\" on SyncStdout",
                            "\"kv-print stderr: put key=hello bytes=5\" on SyncStderr");
        }
    }

    @Test
    void goHostGivesTheJavaPluginASocketDirectoryAndGroup(@TempDir Path dir) throws Exception {
        String group = SocketGroups.usable();
        assertThat(host(Peers.go18Host(), args("--socket-dir " + dir, Peers.javaPlugin())).passed().lastLine())
                .contains("inside --socket-dir", "nothing left in --socket-dir after Kill");
        assertThat(host(Peers.go18Host(), args("--mux --counter --socket-dir " + dir + " --socket-group " + group,
                Peers.javaPlugin())).passed().lastLine())
                .contains("socket group " + group, "mode 0660", "nothing left in --socket-dir after Kill");
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void goHostSeesTheJavaPluginCrashAndHangMidCall() throws Exception {
        for (String mux : List.of("", "--mux ")) {
            assertThat(host(Peers.go18Host(), args(mux + "--crash-key boom", Peers.javaPlugin())).passed().lastLine())
                    .contains("Get(\"boom\") failed with Unavailable", "Exited()");
            assertThat(host(Peers.go18Host(), args(mux + "--hang-key slow", Peers.javaPlugin())).passed().lastLine())
                    .contains("Get(\"slow\") failed with DeadlineExceeded", "then Put/Get hello=\"world\"");
        }
    }

    @Test
    void goHostSendsTheJavaPluginTwentyMegabytes() throws Exception {
        for (String flags : List.of("--big 20", "--mux --big 20")) {
            assertThat(host(Peers.go18Host(), args(flags, Peers.javaPlugin())).passed().lastLine())
                    .contains("Put/Get of 20 MiB (20971520 bytes) identical");
        }
    }

    // ---- the Java host on a go-plugin v1.8.0 plugin ------------------------------------------------

    @Test
    void javaHostLoadsGoPluginWithCallbacksAndAutoMtls() throws Exception {
        assertThat(host(Peers.javaHost(), args("", Peers.go18Plugin())).passed().lastLine())
                .contains("kv: Put/Get hello=\"world\"", "clean shutdown");
        assertThat(host(Peers.javaHost(), args("--counter", Peers.go18Plugin())).passed().lastLine())
                .contains("c=12 after Put 5+7, Sum calls on the host=2, broker ids=1,2");
        // go-plugin v1.4.4 and later dial a host's broker listener under AutoMTLS (go-plugin#109 fixed).
        assertThat(host(Peers.javaHost(), args("--automtls --counter", Peers.go18Plugin())).passed().lastLine())
                .contains("c=12", "automtls: 3 calls and 2 callbacks over mutual TLS");
    }

    @Test
    void javaHostMultiplexesTheGoPlugin() throws Exception {
        assertThat(host(Peers.javaHost(), args("--mux", Peers.go18Plugin())).passed().lastLine())
                .contains("multiplexed: one connection to", "no listener of the host's");
        assertThat(host(Peers.javaHost(), args("--mux --counter", Peers.go18Plugin())).passed().lastLine())
                .contains("c=12", "2 callbacks as yamux streams of it", "no listener of the host's");
        assertThat(host(Peers.javaHost(), args("--mux --automtls --counter", Peers.go18Plugin())).passed().lastLine())
                .contains("c=12", "automtls: 3 calls and 2 callbacks over mutual TLS",
                        "2 callbacks as yamux streams of it");
    }

    @Test
    void javaHostChecksStdioSocketsSizesCrashAndHangOnTheGoPlugin(@TempDir Path dir) throws Exception {
        String group = SocketGroups.usable();
        for (String mux : List.of("", "--mux ")) {
            assertThat(host(Peers.javaHost(), args(mux + "--stdio-test --socket-dir " + dir + " --socket-group " + group
                    + " --big 20 --hang-key slow --crash-key boom", Peers.go18Plugin())).passed().lastLine())
                    .contains("is inside " + dir, "came through the stdio service's stdout",
                            "Put/Get of 20 MiB (20971520 bytes) round-tripped", "Get(\"slow\") failed DEADLINE_EXCEEDED",
                            "Get(\"boom\")", "no shutdown after the crash");
        }
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void javaHostRefusesToMultiplexPluginsThatCannot() throws Exception {
        Peers.Result old = host(Peers.javaHost(), args("--mux", Peers.goPlugin()));
        assertThat(old.exitCode()).isEqualTo(1);
        assertThat(old.lastLine()).startsWith("FAIL").contains("does not support gRPC broker multiplexing",
                "its handshake has no 7th field");
        Peers.Result python = host(Peers.javaHost(), args("--mux", Peers.pythonPlugin()));
        assertThat(python.exitCode()).isEqualTo(1);
        assertThat(python.lastLine()).startsWith("FAIL").contains("its handshake answered false");
    }

    // ---- Java with Java, and the go-plugin baseline ------------------------------------------------

    @Test
    void javaHostMultiplexesTheJavaPlugin() throws Exception {
        assertThat(host(Peers.javaHost(), args("--mux --automtls --counter", Peers.javaPlugin())).passed().lastLine())
                .contains("c=12", "automtls: 3 calls and 2 callbacks over mutual TLS",
                        "2 callbacks as yamux streams of it", "no listener of the host's");
    }

    @Test
    void goPluginVersionsTalkToEachOther() throws Exception {
        host(Peers.go18Host(), args("--mux --automtls --counter", Peers.go18Plugin())).passed();
        host(Peers.go18Host(), args("--counter", Peers.goPlugin())).passed();
        host(Peers.goHost(), args("--counter", Peers.go18Plugin())).passed();
    }
}
