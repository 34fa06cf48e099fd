package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import dev.outpost.PluginStartException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.TlsFiles;
import dev.outpost.fixtures.Greeter;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.RemoteGreeterPlugin;
import dev.outpost.fixtures.TestCertificates;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.plugin.PluginServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A plugin served remotely (TCP, the operator's mutual TLS) and a host reaching it by {@link RemoteConfig}, on loopback. */
@ExtendWith(LeakCheck.class)
class RemotePluginTest {

    @TempDir
    Path dir;

    private TestCertificates ca;

    @BeforeEach
    void authority() {
        ca = TestCertificates.authority(dir, "ops");
    }

    private static ClientConfig.Builder config() {
        return ClientConfig.builder().name("greeter").handshake(RemoteGreeterPlugin.HANDSHAKE)
                .plugin("greeter", Greeter.class).startTimeout(Duration.ofSeconds(5));
    }

    private PluginServer serve() throws Exception {
        return PluginServer.start(RemoteGreeterPlugin.serving().remote("127.0.0.1:0", ca.server()).build(), Map.of());
    }

    @Test
    void aHostCallsARemotePluginOverMutualTls() throws Exception {
        try (PluginServer server = serve()) {
            HandshakeLine line = server.handshake();
            assertThat(line.network()).isEqualTo(Network.TCP);
            assertThat(line.format()).matches("1\\|1\\|tcp\\|127\\.0\\.0\\.1:\\d+\\|grpc\\|");
            RemoteConfig remote = RemoteConfig.of(line.address(), ca.client());
            try (PluginClient client = PluginClient.remote(config().build(), remote)) {
                assertThat(client.isRemote()).isTrue();
                assertThat(client.pid()).isEqualTo(-1);
                assertThat(client.dispense("greeter", Greeter.class).greet("ops"))
                        .isEqualTo("hello ops from pid " + ProcessHandle.current().pid());
                assertThatThrownBy(client::reattachConfig).hasMessageContaining("is remote");
            }
            // A host that goes away does not stop the plugin: it serves the next one.
            try (PluginClient again = PluginClient.remote(config().build(), remote)) {
                assertThat(again.dispense("greeter", Greeter.class).greet("again")).startsWith("hello again");
            }
            assertThat(server.onTermination()).isNotDone();
        }
    }

    @Test
    void aPluginCertificateFromAnotherAuthorityFailsTheStartSayingSo() throws Exception {
        TlsFiles stranger = TestCertificates.authority(dir, "stranger").client();
        TlsFiles trustsOnlyStranger = TlsFiles.of(stranger.ca(), ca.client().certificate(), ca.client().key());
        try (PluginServer server = serve()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> PluginClient.remote(config().build(),
                    RemoteConfig.of(server.handshake().address(), trustsOnlyStranger)))
                    .isInstanceOf(PluginStartException.class)
                    .hasMessageStartingWith("plugin 'greeter' (remote, " + server.handshake().address() + ") does not "
                            + "answer at tcp:" + server.handshake().address())
                    .hasMessageContaining("TLS handshake failed")
                    .hasMessageContaining("PKIX path");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aHostCertificateFromAnotherAuthorityIsRefusedByThePlugin() throws Exception {
        TlsFiles stranger = TestCertificates.authority(dir, "stranger").client();
        TlsFiles strangerWithOurCa = TlsFiles.of(ca.caFile(), stranger.certificate(), stranger.key());
        try (PluginServer server = serve()) {
            assertThatThrownBy(() -> PluginClient.remote(config().build(),
                    RemoteConfig.of(server.handshake().address(), strangerWithOurCa)))
                    .isInstanceOf(PluginStartException.class)
                    .hasMessageStartingWith("plugin 'greeter' (remote, ")
                    .hasMessageContaining("UNAVAILABLE");
        }
    }

    @Test
    void thePluginCertificateMustNameTheServer() throws Exception {
        try (PluginServer server = serve()) {
            assertThatThrownBy(() -> PluginClient.remote(config().build(),
                    RemoteConfig.of(server.handshake().address(), ca.client()).withServerName("kv.plugins.svc")))
                    .isInstanceOf(PluginStartException.class)
                    .hasMessageContaining("TLS handshake failed")
                    .hasMessageContaining("kv.plugins.svc");
        }
    }

    @Test
    void anAddressWhereNothingListensFailsAtOnceNamingIt() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertThatThrownBy(() -> PluginClient.remote(config().build(), RemoteConfig.of("127.0.0.1:" + port, ca.client())))
                .isInstanceOf(PluginStartException.class)
                .hasMessageStartingWith("plugin 'greeter' (remote, 127.0.0.1:" + port + ") does not answer at tcp:127.0.0.1:"
                        + port + ": UNAVAILABLE")
                .hasMessageContaining("Connection refused");
    }

    @Test
    void badFilesAndAddressesAreRefusedNamingThem() throws Exception {
        TlsFiles client = ca.client();
        assertThatThrownBy(() -> TlsFiles.of(dir.resolve("nope.pem"), client.certificate(), client.key()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS ca file " + dir.resolve("nope.pem") + " does not exist");
        TlsFiles keyIsACertificate = TlsFiles.of(client.ca(), client.certificate(), client.certificate());
        assertThatThrownBy(() -> PluginClient.remote(config().build(), RemoteConfig.of("127.0.0.1:7000", keyIsACertificate)))
                .isInstanceOf(PluginStartException.class)
                .hasMessage("plugin 'greeter' (remote, 127.0.0.1:7000) cannot use its TLS files: TLS key file "
                        + client.certificate() + " holds no PEM private key (it holds: X509CertificateHolder)");
        TlsFiles otherKey = TlsFiles.of(client.ca(), client.certificate(), ca.server().key());
        assertThatThrownBy(() -> PluginClient.remote(config().build(), RemoteConfig.of("127.0.0.1:7000", otherKey)))
                .hasMessageContaining("does not hold the private key of the certificate in " + client.certificate());
        assertThatThrownBy(() -> RemoteConfig.of("127.0.0.1:70000", client))
                .hasMessage("the port of \"127.0.0.1:70000\" must be 1 to 65535, got 70000");
        assertThatThrownBy(() -> RemoteConfig.of("plugins.example.com", client))
                .hasMessage("an address must be host:port, got \"plugins.example.com\"");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> PluginServer.start(RemoteGreeterPlugin.serving()
                .remote("127.0.0.1:0", TlsFiles.of(empty, client.certificate(), client.key())).build(), Map.of()))
                .hasMessage("TLS ca file " + empty + " holds no PEM certificate");
    }

    @Test
    void aPluginThatGoesAwayEndsItsClient() throws Exception {
        PluginServer server = serve();
        PluginClient client = PluginClient.remote(config().build(), RemoteConfig.of(server.handshake().address(),
                ca.client()));
        try {
            Greeter greeter = client.dispense("greeter", Greeter.class);
            assertThat(greeter.greet("before")).startsWith("hello before");
            server.close();
            assertThatThrownBy(() -> greeter.greet("after")).isInstanceOf(RuntimeException.class);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(client::exited);
            assertThat(client.onExit().join().describe()).startsWith("cannot be reached at "
                    + server.handshake().address());
            assertThatThrownBy(client::ping).isInstanceOf(PluginUnavailableException.class)
                    .hasMessageStartingWith("plugin 'greeter' (remote, " + server.handshake().address() + ") cannot be "
                            + "reached");
        } finally {
            client.close();
            server.close();
        }
    }

    @Test
    void anUnchangedPluginMainServesRemotelyFromItsEnvironment() throws Exception {
        TlsFiles files = ca.server();
        ProcessBuilder builder = new ProcessBuilder(TestJvm.of(RemoteGreeterPlugin.class))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(Map.of("OUTPOST_SERVE_ADDRESS", "127.0.0.1:0",
                "OUTPOST_TLS_CA", files.ca().toString(), "OUTPOST_TLS_CERT", files.certificate().toString(),
                "OUTPOST_TLS_KEY", files.key().toString()));
        Process process = builder.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            HandshakeLine line = HandshakeLine.parse(out.readLine());
            assertThat(line.network()).isEqualTo(Network.TCP);
            try (PluginClient client = PluginClient.remote(config().build(), RemoteConfig.of(line.address(),
                    ca.client()))) {
                assertThat(client.dispense("greeter", Greeter.class).greet("k8s"))
                        .isEqualTo("hello k8s from pid " + process.pid());
            }
            assertThat(process.isAlive()).as("a host's close does not stop a remote plugin").isTrue();
            process.destroy(); // SIGTERM, as Kubernetes stops a pod
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRemoteModeWithoutItsTlsFilesDoesNotStart() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(TestJvm.of(RemoteGreeterPlugin.class));
        builder.environment().put("OUTPOST_SERVE_ADDRESS", "127.0.0.1:0");
        builder.environment().remove("OUTPOST_TLS_CA");
        Process process = builder.start();
        try {
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("OUTPOST_SERVE_ADDRESS is set, so OUTPOST_TLS_CA must name a PEM file; it is not set");
            assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPluginThatAHostLaunchesServesThatHostWhateverItsEnvironmentSays() {
        try (PluginClient client = PluginClient.start(config().command(TestJvm.of(RemoteGreeterPlugin.class))
                .env(Map.of("OUTPOST_SERVE_ADDRESS", "127.0.0.1:0")).build())) {
            assertThat(client.isRemote()).isFalse();
            assertThat(client.dispense("greeter", Greeter.class).greet("host"))
                    .isEqualTo("hello host from pid " + client.pid());
        }
    }
}
