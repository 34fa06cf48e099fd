package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.SocketGroups;
import dev.outpost.host.JavaCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outpost against the real go-plugin library (Debian's v1.0.1) and a Python plugin, both ways:
 * each test runs a host as its own process on a plugin command and expects its PASS line, after
 * Put/Get (or the Counter/AddHelper callbacks through the broker, or the checks its options add) and a
 * clean shutdown; or the FAIL line of a check that cannot pass.
 */
@ExtendWith(LeakCheck.class)
class InteropIT {

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
    }

    private static Peers.Result host(String host, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(host));
        command.addAll(List.of(args));
        return Peers.run(command, Map.of(), 120);
    }

    /**
     * The Go host's counter run. The Java plugin dials the broker id of each Put afresh, as go-plugin's
     * bidirectional example plugin does, and go-plugin's broker hands an announcement to one dial only. A
     * Go host that serves AddHelper under one id for both Puts (as the v1.0.1 peer here does) cannot pass the
     * second Put: that run, and only that failure, is aborted, saying why. A host taking a fresh id per Put, as
     * go-plugin's example host does, must pass.
     */
    @Test
    void javaHostLoadsGoPlugin() throws Exception {
        assertThat(host(Peers.javaHost(), "--", Peers.goPlugin()).passed().lastLine())
                .contains("kv: Put/Get hello=\"world\"", "unix", "clean shutdown");
    }

    @Test
    void javaHostServesCallbacksToGoPluginThroughTheBroker() throws Exception {
        // A fresh broker id for each Put, stopped after it: the Go plugin dials each one.
        assertThat(host(Peers.javaHost(), "--counter", "--", Peers.goPlugin()).passed().lastLine())
                .contains("c=12 after Put 5+7, Sum calls on the host=2, broker ids=1,2");
    }

    @Test
    void theJavaPluginLauncherRecordsClassDataOnceAndUsesItAfter(@TempDir Path cache) throws Exception {
        String script = Files.readString(Peers.INTEROP.resolve("java-plugin"));
        assertThat(script).as("the launcher's default JVM options are JavaCommand's")
                .contains("OUTPOST_PLUGIN_JAVA_OPTS-\"" + String.join(" ", JavaCommand.DEFAULT_JVM_OPTIONS) + "\"}");
        List<String> javaCommand = JavaCommand.jar(cache.resolve("plugin.jar")).noClassDataSharing().build().command();
        List<String> logging = javaCommand.subList(1, javaCommand.indexOf(JavaCommand.DEFAULT_JVM_OPTIONS.get(0)));
        assertThat(script).as("the launcher's JVM logging options are JavaCommand's")
                .contains("logging=\"" + String.join(" ", logging) + "\"");
        Map<String, String> env = Map.of("OUTPOST_CDS_DIR", cache.toString());
        List<String> command = List.of(Peers.javaHost(), "--", Peers.javaPlugin());
        // (JavaCommandTest records a plugin that loads JFR event classes; here the KV host's 2 s grace at
        // shutdown leaves no time for the larger archive of an AutoMTLS plugin on a busy machine.)
        Peers.Result recording = Peers.run(command, env, 120).passed();
        assertThat(recording.stderr()).as("the archive's warnings stay out of the plugin's stderr")
                .doesNotContain("[cds]");
        // Written by the JVM as it exited; exec left no shell to move it into place: the next start does.
        assertThat(names(cache)).singleElement().asString().matches("outpost-interop-plugin-\\d+\\.jsa\\.\\d+\\.part");
        Peers.run(command, env, 120).passed();
        assertThat(names(cache)).singleElement().asString().matches("outpost-interop-plugin-\\d+\\.jsa");
    }

    private static List<String> names(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    @Test
    void goHostLoadsJavaPlugin() throws Exception {
        Peers.Result result = host(Peers.goHost(), "--", Peers.javaPlugin()).passed();
        assertThat(result.lastLine()).contains("hello=\"world\"");
        // A Go host logs a plugin that needed SIGKILL as failing to exit gracefully.
        assertThat(result.stderr()).doesNotContain("failed to exit gracefully");
    }

    @Test
    void goHostServesCallbacksToJavaPluginThroughTheBroker() throws Exception {
        assertThat(host(Peers.goHost(), "--counter", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("counter c=12", "Sum calls=2");
    }

    @Test
    void javaHostLoadsPythonPluginOnAUnixSocket() throws Exception {
        assertThat(host(Peers.javaHost(), "--", Peers.pythonPlugin()).passed().lastLine()).contains("unix");
    }

    @Test
    void javaHostLoadsPythonPluginOnTcp() throws Exception {
        Peers.Result result = Peers.run(List.of(Peers.javaHost(), "--", Peers.pythonPlugin()),
                Map.of("KV_PLUGIN_TCP", "1"), 120).passed();
        assertThat(result.lastLine()).contains("tcp");
    }

    @Test
    void javaHostLoadsJavaPlugin() throws Exception {
        assertThat(host(Peers.javaHost(), "--", Peers.javaPlugin()).passed().lastLine()).contains("hello=\"world\"");
        assertThat(host(Peers.javaHost(), "--counter", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("c=12", "broker ids=1,2");
    }

    @Test
    void javaHostGetsTheJavaPluginsPrintsThroughTheStdioService() throws Exception {
        assertThat(host(Peers.javaHost(), "--stdio-test", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("stdio: \"kv-print stdout: put key=hello bytes=5\" came through the stdio service's "
                        + "stdout, \"kv-print stderr: put key=hello bytes=5\" through its stderr");
    }

    @Test
    void javaHostMakesThePluginsSocketDirectoryInsideTheOneItIsGiven(@TempDir Path dir) throws Exception {
        // The Java plugin makes its socket in the host's directory; the Python plugin a directory in it.
        for (String plugin : List.of(Peers.javaPlugin(), Peers.pythonPlugin())) {
            assertThat(host(Peers.javaHost(), "--socket-dir", dir.toString(), "--", plugin).passed().lastLine())
                    .as(plugin).contains("socket-dir: the plugin's socket " + dir + "/outpost-", "is inside " + dir,
                            "nothing of it left in " + dir);
            assertThat(names(dir)).isEmpty();
        }
    }

    @Test
    void javaHostGivesTheJavaPluginsSocketToAGroup() throws Exception {
        String group = SocketGroups.usable();
        for (String spec : List.of(group, Integer.toString(SocketGroups.gid(group)))) {
            assertThat(host(Peers.javaHost(), "--socket-group", spec, "--", Peers.javaPlugin()).passed().lastLine())
                    .contains("socket-group: the plugin's socket is rw-rw---- and group " + spec);
        }
    }

    @Test
    void largeValuesRoundTripBeyondGrpcsDefaultLimit() throws Exception {
        // go-plugin's limit on both Outpost sides; 16 MiB is four times gRPC's default.
        assertThat(host(Peers.javaHost(), "--big", "16", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("big: Put/Get of 16 MiB (16777216 bytes) round-tripped");
        // A v1.0.1 Go plugin's server keeps gRPC's default of 4 MiB for what it receives.
        assertThat(host(Peers.javaHost(), "--big", "3", "--", Peers.goPlugin()).passed().lastLine())
                .contains("big: Put/Get of 3 MiB");
        assertThat(host(Peers.javaHost(), "--big", "3", "--", Peers.pythonPlugin()).passed().lastLine())
                .contains("big: Put/Get of 3 MiB");
    }

    @Test
    void javaHostSeesTheJavaPluginCrashInACall() throws Exception {
        assertThat(host(Peers.javaHost(), "--crash-key", "boom", "--", Peers.javaPlugin()).passed().lastLine())
                .containsPattern("crash: Get\\(\"boom\"\\) failed UNAVAILABLE \\(plugin 'java-kv-plugin' \\(pid \\d+\\) "
                        + "exited with status 2 during proto.KV/Get\\), onExit\\(\\): exited with status 2")
                .endsWith("no shutdown after the crash");
    }

    @Test
    void javaHostOutlivesAHangingCallOfTheJavaPlugin() throws Exception {
        assertThat(host(Peers.javaHost(), "--hang-key", "slow", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("hang: Get(\"slow\") failed DEADLINE_EXCEEDED after 1 s, then kv: Put/Get hello=\"world\"",
                        "clean shutdown");
    }

    @Test
    void javaHostCombinesItsChecksOverAutoMtls(@TempDir Path dir) throws Exception {
        assertThat(host(Peers.javaHost(), "--automtls", "--counter", "--stdio-test", "--big", "4", "--socket-dir",
                dir.toString(), "--socket-group", SocketGroups.usable(), "--hang-key", "slow", "--crash-key", "boom",
                "--", Peers.javaPlugin()).passed().lastLine())
                .contains("socket-dir:", "socket-group:", "stdio:", "counter: c=12", "big:", "hang:",
                        "automtls: 9 calls and 2 callbacks over mutual TLS", "crash:", "nothing of it left in " + dir);
    }

    @Test
    void javaHostFailsWhatItCannotCheck(@TempDir Path dir) throws Exception {
        Peers.Result missing = host(Peers.javaHost(), "--socket-dir", dir.resolve("missing").toString(), "--",
                Peers.javaPlugin());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.lastLine()).isEqualTo("FAIL plugin 'java-kv-plugin': unixSocketDir " + dir.resolve("missing")
                + " does not exist; the plugin's socket directory is made inside it");
        Peers.Result group = host(Peers.javaHost(), "--socket-group", "no-such-outpost-group", "--", Peers.javaPlugin());
        assertThat(group.exitCode()).isEqualTo(1);
        assertThat(group.lastLine()).startsWith("FAIL plugin 'java-kv-plugin': unixSocketGroup \"no-such-outpost-group\"");
    }

    @Test
    void javaHostLoadsGoPluginOverAutoMtls() throws Exception {
        assertThat(host(Peers.javaHost(), "--automtls", "--", Peers.goPlugin()).passed().lastLine())
                .contains("hello=\"world\"", "automtls: 2 calls over mutual TLS", "pinned");
        // go-plugin v1.0.1 plugins cannot dial a host's broker listener under AutoMTLS (go-plugin#109),
        // so there is no --counter variant of this pair.
    }

    @Test
    void goHostLoadsJavaPluginOverAutoMtlsWithBrokerCallbacks() throws Exception {
        assertThat(host(Peers.goHost(), "--automtls", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("kv+automtls", "hello=\"world\"");
        // The Java plugin dials the Go host's AddHelper listener over TLS, trusting only the host.
        assertThat(host(Peers.goHost(), "--automtls", "--counter", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("counter+automtls", "counter c=12", "Sum calls=2");
    }

    @Test
    void javaHostLoadsPythonPluginOverAutoMtls() throws Exception {
        assertThat(host(Peers.javaHost(), "--automtls", "--", Peers.pythonPlugin()).passed().lastLine())
                .contains("unix", "automtls: 2 calls over mutual TLS", "pinned");
        Peers.Result tcp = Peers.run(List.of(Peers.javaHost(), "--automtls", "--", Peers.pythonPlugin()),
                Map.of("KV_PLUGIN_TCP", "1"), 120).passed();
        assertThat(tcp.lastLine()).contains("tcp", "automtls: 2 calls over mutual TLS");
    }

    @Test
    void javaHostLoadsJavaPluginOverAutoMtlsWithBrokerCallbacks() throws Exception {
        assertThat(host(Peers.javaHost(), "--automtls", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("hello=\"world\"", "automtls: 2 calls over mutual TLS");
        // Callbacks: the Java plugin dials the host's broker listener, which requires its certificate.
        assertThat(host(Peers.javaHost(), "--automtls", "--counter", "--", Peers.javaPlugin()).passed().lastLine())
                .contains("c=12", "automtls: 3 calls and 2 callbacks over mutual TLS");
    }

    @Test
    void goHostLoadsGoPluginAsTheBaseline() throws Exception {
        host(Peers.goHost(), "--", Peers.goPlugin()).passed();
    }

    @Test
    void javaHostReportsABrokenPluginAndRejectsUnknownOptions() throws Exception {
        Peers.Result broken = host(Peers.javaHost(), "--", "sh", "-c", "echo 'no config' >&2; exit 4");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.lastLine()).startsWith("FAIL plugin 'sh'").contains("exited with status 4", "no config");
        Peers.Result usage = host(Peers.javaHost(), "--frobnicate", "--", Peers.goPlugin());
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr()).contains("unknown option --frobnicate", "[--automtls]", "[--crash-key KEY]");
        Peers.Result big = host(Peers.javaHost(), "--big", "0", "--", Peers.goPlugin());
        assertThat(big.exitCode()).isEqualTo(2);
        assertThat(big.stderr()).contains("option --big needs a number of MiB from 1 to 2047, got \"0\"");
        Peers.Result noValue = host(Peers.javaHost(), "--socket-dir", "--", Peers.goPlugin());
        assertThat(noValue.exitCode()).isEqualTo(2);
        assertThat(noValue.stderr()).contains("option --socket-dir needs a value");
        Peers.Result mixed = host(Peers.javaHost(), "--stdio-test", "--bench", "10", "--", Peers.goPlugin());
        assertThat(mixed.exitCode()).isEqualTo(2);
        assertThat(mixed.stderr()).contains("--bench, --cold and --crash combine with --automtls and --mux only");
    }
}
