package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code outpost check} on the Go, Python and Java peers, and on broken plugins. */
@ExtendWith(LeakCheck.class)
class OutpostCheckIT {

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
    }

    private static Peers.Result check(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Peers.INTEROP.resolve("../outpost").normalize().toString(),
                "check"));
        command.addAll(List.of(args));
        return Peers.run(command, Map.of(), 180);
    }

    @Test
    void theGoPluginPassesEveryRequiredCheck() throws Exception {
        Peers.Result result = check("--", Peers.goPlugin());
        assertThat(result.exitCode()).as(result.stdout()).isZero();
        assertThat(result.stdout()).contains("[PASS] handshake", "[PASS] health service", "[PASS] controller shutdown")
                .containsPattern("\\[PASS\\] latency \\(health check\\) \\(optional\\) +p50 \\d+ µs, p99 \\d+ µs")
                // go-plugin 1.0.1 has no stdio service, and its plugins outlive a killed host.
                .contains("[WARN] stdio service (optional)", "[WARN] exits when the host disappears (optional)")
                .endsWith("PASS: every required check passed\n");
    }

    @Test
    void thePythonPluginPassesEveryRequiredCheck() throws Exception {
        Peers.Result result = check("--", Peers.pythonPlugin());
        assertThat(result.exitCode()).as(result.stdout()).isZero();
        assertThat(result.stdout()).contains("[PASS] stdio service", "[PASS] exits when the host disappears");
    }

    @Test
    void theJavaPluginPassesEveryCheck() throws Exception {
        Peers.Result result = check("--json", "--", Peers.javaPlugin());
        assertThat(result.exitCode()).as(result.stdout()).isZero();
        assertThat(result.stdout()).contains("\"passed\" : true").doesNotContain("\"FAIL\"").doesNotContain("\"WARN\"");
    }

    @Test
    void autoMtlsIsCheckedOnGoPythonAndJavaPlugins() throws Exception {
        for (String plugin : List.of(Peers.goPlugin(), Peers.pythonPlugin(), Peers.javaPlugin())) {
            Peers.Result result = check("--automtls", "--", plugin);
            assertThat(result.exitCode()).as(result.stdout()).isZero();
            assertThat(result.stdout()).contains("[PASS] automtls", "mutual TLS with the plugin's certificate pinned");
        }
    }

    @Test
    void multiplexingIsAnOptionalCheckThatGoPluginsFromV16AndJavaPluginsPass() throws Exception {
        Peers.buildWithV18();
        for (String plugin : List.of(Peers.go18Plugin(), Peers.javaPlugin())) {
            Peers.Result result = check("--", plugin);
            assertThat(result.exitCode()).as(result.stdout()).isZero();
            assertThat(result.stdout()).containsPattern("\\[PASS\\] broker multiplexing \\(optional\\) +answered true");
        }
        Peers.Result old = check("--", Peers.goPlugin());
        assertThat(old.exitCode()).as("optional: the plugin still conforms").isZero();
        assertThat(old.stdout()).containsPattern("\\[WARN\\] broker multiplexing \\(optional\\) +does not support gRPC "
                + "broker multiplexing, which the host requested \\(multiplexBroker\\): its handshake has no 7th field");
    }

    @Test
    void aPluginWithoutControllerIsAWarningAndIsKilledAsGoPluginDoes() throws Exception {
        // As go-plugin's own Python example up to v1.8.0: health and KV only.
        Peers.Result result = Peers.run(List.of(Peers.INTEROP.resolve("../outpost").normalize().toString(), "check",
                "--", Peers.pythonPlugin()), Map.of("KV_PLUGIN_MINIMAL", "1"), 180);
        assertThat(result.exitCode()).as(result.stdout()).isZero();
        assertThat(result.stdout()).containsPattern("\\[WARN\\] controller shutdown \\(optional\\) +no "
                + "plugin.GRPCController service: go-plugin hosts wait 2 s for such a plugin, then kill it; it .* after "
                + "\\d+ ms").contains("[WARN] stdio service (optional)", "[WARN] broker (optional)")
                .endsWith("PASS: every required check passed\n");
    }

    @Test
    void aPluginThatExitsBeforeItsHandshakeFails() throws Exception {
        Peers.Result result = check("--", "sh", "-c", "echo 'no config' >&2; exit 3");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stdout()).contains("[FAIL] handshake", "exited with status 3 before its handshake",
                "no config", "[SKIP] controller shutdown", "[SKIP] broker multiplexing")
                .endsWith("FAIL: a required check failed\n");
    }

    @Test
    void aWrongCookieIsReportedWithThePluginsOwnWords() throws Exception {
        Peers.Result result = check("--cookie", "OTHER_APP=secret", "--", Peers.goPlugin());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stdout()).contains("[FAIL] handshake", "exited with status 1 before its handshake",
                "This binary is a plugin");
    }

    @Test
    void anUnsupportedProtocolVersionFails() throws Exception {
        Peers.Result result = check("--versions", "7,8", "--", Peers.javaPlugin());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stdout()).contains("[FAIL] handshake", "speaks protocol version 1, but the host speaks [7, 8]");
    }
}
