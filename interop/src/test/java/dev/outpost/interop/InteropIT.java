package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.JavaCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outpost against the real go-plugin library (Debian's v1.0.1) and a Python plugin, both ways:
 * each test runs a host as its own process on a plugin command and expects its PASS line, after
 * Put/Get (or the Counter/AddHelper callbacks through the broker) and a clean shutdown.
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
    private static Peers.Result goHostCounter(String... args) throws Exception {
        Peers.Result result = host(Peers.goHost(), args);
        Assumptions.assumeFalse(result.lastLine().contains("Counter.Put(c, 7) via broker id 1")
                        && result.lastLine().contains("timeout waiting for connection info of broker id 1"),
                "the Go host peer serves both Puts under one broker id, which a plugin dialling each Put's id "
                        + "cannot reach twice: " + result.lastLine());
        return result.passed();
    }

    @Test
    void javaHostLoadsGoPlugin() throws Exception {
        assertThat(host(Peers.javaHost(), "--", Peers.goPlugin()).passed().lastLine())
                .contains("kv: Put/Get hello=\"world\"", "unix", "clean shutdown");
    }

    @Test
    void javaHostServesCallbacksToGoPluginThroughTheBroker() throws Exception {
        assertThat(host(Peers.javaHost(), "--counter", "--", Peers.goPlugin()).passed().lastLine())
                .contains("c=12 after Put 5+7, Sum calls on the host=2");
    }

    @Test
    void theJavaPluginLauncherRecordsClassDataOnceAndUsesItAfter(@TempDir Path cache) throws Exception {
        String script = Files.readString(Peers.INTEROP.resolve("java-plugin"));
        assertThat(script).as("the launcher's default JVM options are JavaCommand's")
                .contains("OUTPOST_PLUGIN_JAVA_OPTS-\"" + String.join(" ", JavaCommand.DEFAULT_JVM_OPTIONS) + "\"}");
        Map<String, String> env = Map.of("OUTPOST_CDS_DIR", cache.toString());
        List<String> command = List.of(Peers.javaHost(), "--", Peers.javaPlugin());
        Peers.run(command, env, 120).passed();
        // Written by the JVM as it exited; exec left no shell to move it into place: the next start does.
        assertThat(names(cache)).singleElement().asString().matches("outpost-interop-\\d+\\.jsa\\.\\d+\\.part");
        Peers.run(command, env, 120).passed();
        assertThat(names(cache)).singleElement().asString().matches("outpost-interop-\\d+\\.jsa");
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
        assertThat(goHostCounter("--counter", "--", Peers.javaPlugin()).lastLine())
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
                .contains("c=12");
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
        assertThat(goHostCounter("--automtls", "--counter", "--", Peers.javaPlugin()).lastLine())
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
        assertThat(usage.stderr()).contains("unknown option --frobnicate", "[--automtls]");
    }
}
