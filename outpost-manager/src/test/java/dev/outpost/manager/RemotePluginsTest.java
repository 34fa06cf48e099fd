package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.TlsFiles;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestCertificates;
import dev.outpost.plugin.PluginServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code "remote"} in {@code plugin.json}: a plugin served elsewhere (here: by a {@link PluginServer} in this
 * JVM, on loopback with the test's own certificates), supervised like any other, UNREACHABLE instead of
 * CRASHED when it goes away, and connected again once it is back.
 */
@ExtendWith(LeakCheck.class)
class RemotePluginsTest extends ManagerTestSupport {

    private TestCertificates ca;
    private PluginServer server;

    @BeforeEach
    void certificates() throws Exception {
        Files.createDirectories(dir.resolve(".certs"));
        ca = TestCertificates.authority(dir.resolve(".certs"), "ops");
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private PluginServer serve(String address, TlsFiles files) throws Exception {
        server = PluginServer.start(SensorPlugin.servingBuilder("2.0.0").remote(address, files).build(), Map.of());
        return server;
    }

    private PluginManager.Builder builder() {
        return PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .startTimeout(Duration.ofSeconds(5))
                .healthChecks(Duration.ofMillis(200), 2).healthCheckTimeout(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(100))
                        .maxDelay(Duration.ofMillis(300)).maxRestarts(100).window(Duration.ofMinutes(1)).build());
    }

    /** A plugin folder whose manifest reaches {@code address}, with the host's files copied into it. */
    private void remoteFolder(String id, String address) throws Exception {
        Path folder = PluginDirs.folder(dir, id, "{\"id\": \"" + id + "\", \"remote\": {\"address\": \"" + address
                + "\", \"tls\": {\"ca\": \"tls/ca.pem\", \"cert\": \"tls/host.pem\", \"key\": \"tls/host-key.pem\"}}}");
        TlsFiles client = ca.client();
        Files.createDirectories(folder.resolve("tls"));
        Files.copy(client.ca(), folder.resolve("tls/ca.pem"));
        Files.copy(client.certificate(), folder.resolve("tls/host.pem"));
        Files.copy(client.key(), folder.resolve("tls/host-key.pem"));
    }

    @Test
    void aRemotePluginRunsIsUnreachableWhenItGoesAndComesBackWhenItIsBack() throws Exception {
        String address = serve("127.0.0.1:0", ca.server()).handshake().address();
        remoteFolder("remote-sensor", address);
        PluginDirs.script(dir, "local");
        started(builder());

        PluginEvent running = events.await("remote-sensor", PluginState.RUNNING, 1);
        assertThat(running.reason()).isEqualTo("remote " + address);
        assertThat(info("remote-sensor").pid()).isEmpty();
        Sensor sensor = manager.dispense("remote-sensor", "sensor", Sensor.class);
        assertThat(sensor.read()).isEqualTo("reading from 2.0.0");
        assertThat(sensor.pid()).as("served by this JVM's server").isEqualTo(ProcessHandle.current().pid());
        assertThatThrownBy(() -> sensor.subscribe((pid, reading) -> { }))
                .as("a callback needs the broker, which a remote plugin cannot dial back to")
                .hasMessageContaining("plugin 'remote-sensor' is remote (" + address + "): callbacks and brokered "
                        + "servers are not available to it");

        server.close();
        PluginEvent lost = events.await("remote-sensor", PluginState.UNREACHABLE, 1);
        assertThat(lost.from()).isEqualTo(PluginState.RUNNING);
        assertThat(events.moves("remote-sensor")).doesNotContain("RUNNING -> CRASHED")
                .contains("UNREACHABLE -> RESTARTING");
        assertThat(server.onTermination()).isDone(); // nothing of the host's stopped it but this test

        serve(address, ca.server()); // the same port: a restarted pod behind its Service
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> info("remote-sensor").state() == PluginState.RUNNING
                        && events.moves("remote-sensor").stream().filter(m -> m.startsWith("STARTING -> RUNNING")).count() >= 2);
        assertThat(sensor.read()).isEqualTo("reading from 2.0.0");
        assertThat(info("local").state()).isEqualTo(PluginState.RUNNING);

        manager.stop("remote-sensor");
        assertThat(info("remote-sensor").state()).isEqualTo(PluginState.STOPPED);
        assertThat(server.onTermination()).as("stopping a remote plugin only closes the connection").isNotDone();
    }

    @Test
    void aRemotePluginThatCannotBeReachedAtItsStartIsUnreachableNotCrashed() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        remoteFolder("away", "127.0.0.1:" + port);
        started(builder());
        PluginEvent unreachable = events.await("away", PluginState.UNREACHABLE, 1);
        assertThat(unreachable.from()).isEqualTo(PluginState.STARTING);
        assertThat(unreachable.reason()).startsWith("plugin 'away' (remote, 127.0.0.1:" + port + ") does not answer at "
                + "tcp:127.0.0.1:" + port + ": UNAVAILABLE").contains("Connection refused");
        events.await("away", PluginState.UNREACHABLE, 2);
        assertThat(events.moves("away")).noneMatch(move -> move.contains("CRASHED"));
    }

    @Test
    void badRemoteEntriesFailOnlyTheirPluginNamingTheKey() throws Exception {
        String tls = "\"tls\": {\"ca\": \"ca.pem\", \"cert\": \"ca.pem\", \"key\": \"ca.pem\"}";
        Map<String, String> bad = Map.of(
                "unknown-key", "{\"address\": \"127.0.0.1:7000\", \"adress\": \"x\", " + tls + "}",
                "unknown-tls-key", "{\"address\": \"127.0.0.1:7000\", \"tls\": {\"ca\": \"ca.pem\", \"certificate\": \"x\"}}",
                "no-address", "{" + tls + "}",
                "no-port", "{\"address\": \"plugins.example.com\", " + tls + "}",
                "huge-port", "{\"address\": \"127.0.0.1:99999\", " + tls + "}",
                "no-tls", "{\"address\": \"127.0.0.1:7000\"}",
                "missing-file", "{\"address\": \"127.0.0.1:7000\", \"tls\": {\"ca\": \"ca.pem\", \"cert\": \"ca.pem\", "
                        + "\"key\": \"nope.pem\"}}",
                "bad-version", "{\"address\": \"127.0.0.1:7000\", \"protocolVersion\": -3, " + tls + "}",
                "wrong-type", "{\"address\": \"127.0.0.1:7000\", \"tls\": [\"ca.pem\"]}");
        for (Map.Entry<String, String> entry : bad.entrySet()) {
            Path folder = PluginDirs.folder(dir, entry.getKey(), "{\"id\": \"" + entry.getKey() + "\", \"remote\": "
                    + entry.getValue() + "}");
            Files.writeString(folder.resolve("ca.pem"), "not used");
        }
        Path withCommand = PluginDirs.folder(dir, "with-command", "{\"id\": \"with-command\", \"command\": [\"/x\"], "
                + "\"remote\": {\"address\": \"127.0.0.1:7000\", " + tls + "}}");
        Files.writeString(withCommand.resolve("ca.pem"), "not used");
        PluginDirs.script(dir, "plain");
        started(builder());

        events.await("plain", PluginState.RUNNING, 1);
        assertThat(failedAtOnce("unknown-key")).contains("field \"remote.adress\"").contains("Unrecognized property");
        assertThat(failedAtOnce("unknown-tls-key")).contains("field \"remote.tls.certificate\"");
        assertThat(failedAtOnce("no-address")).isEqualTo("plugin.json: \"remote.address\" is required (host:port)");
        assertThat(failedAtOnce("no-port")).isEqualTo("plugin.json: \"remote.address\": an address must be host:port, "
                + "got \"plugins.example.com\"");
        assertThat(failedAtOnce("huge-port")).isEqualTo("plugin.json: \"remote.address\": the port of "
                + "\"127.0.0.1:99999\" must be 1 to 65535, got 99999");
        assertThat(failedAtOnce("no-tls")).startsWith("plugin.json: \"remote.tls\" is required");
        assertThat(failedAtOnce("missing-file")).isEqualTo("plugin.json: \"remote.tls.key\": \"nope.pem\" does not "
                + "exist (" + dir.resolve("missing-file").resolve("nope.pem").toAbsolutePath() + ")");
        assertThat(failedAtOnce("bad-version")).startsWith("plugin.json: \"remote.protocolVersion\": protocol version "
                + "must be at least 1, got -3");
        assertThat(failedAtOnce("wrong-type")).contains("field \"remote.tls\"");
        assertThat(failedAtOnce("with-command")).isEqualTo("plugin.json: a \"remote\" plugin runs elsewhere and is not "
                + "launched by this host; \"command\" has no meaning for it");
        assertThat(info("plain").state()).isEqualTo(PluginState.RUNNING);
    }
}
