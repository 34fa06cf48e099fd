package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.PluginStartException.Kind;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each start failure says whether another start can succeed ({@link PluginStartException#kind()}):
 * a wrong cookie, incompatible versions, a command that cannot run, a checksum mismatch or a jar
 * without its main class cannot; a crash or a timeout may.
 */
@ExtendWith(LeakCheck.class)
class StartFailureKindTest {

    /** go-plugin's words when the cookie is wrong (server.go, Serve), and its exit status. */
    private static final String GO_PLUGIN_REFUSAL = "printf 'This binary is a plugin. These are not meant to be "
            + "executed directly.\\nPlease execute the program that consumes these plugins, which will\\nload any "
            + "plugins automatically\\n' >&2; exit 1";

    @TempDir
    Path dir;

    private static ClientConfig.Builder config() {
        return ClientConfig.builder().name("kind").handshake(ProbePlugin.HANDSHAKE)
                .startTimeout(Duration.ofSeconds(20)).plugin("probe", Probe.plugin());
    }

    private static PluginStartException startFails(ClientConfig config) {
        PluginStartException failure = catchThrowableOfType(() -> PluginClient.start(config).close(),
                PluginStartException.class);
        assertThat(failure).as("start failure").isNotNull();
        return failure;
    }

    @Test
    void aJavaPluginGivenTheWrongCookieValueIsACookieMismatch() {
        PluginStartException failure = startFails(config()
                .handshake(dev.outpost.HandshakeConfig.of(1, "OUTPOST_TEST_PLUGIN", "not-probe"))
                .command(TestJvm.of(ProbePlugin.class)).build());
        assertThat(failure.kind()).isEqualTo(Kind.COOKIE_MISMATCH);
        assertThat(failure.permanent()).isTrue();
        assertThat(failure).hasMessageContaining("exited with status 1 before its handshake: magic cookie mismatch? "
                        + "the host set OUTPOST_TEST_PLUGIN=not-probe in its environment")
                .hasMessageContaining("| This program is a plugin: a host application starts it and talks to it.");
    }

    @Test
    void aJavaPluginGivenAnotherCookieKeyIsACookieMismatch() {
        PluginStartException failure = startFails(config()
                .handshake(dev.outpost.HandshakeConfig.of(1, "OTHER_APP_PLUGIN", "probe"))
                .command(TestJvm.of(ProbePlugin.class)).build());
        assertThat(failure.kind()).isEqualTo(Kind.COOKIE_MISMATCH);
        assertThat(failure).hasMessageContaining("magic cookie mismatch? the host set OTHER_APP_PLUGIN=probe");
    }

    @Test
    void goPluginsWordsMakeItCertain() {
        PluginStartException failure = startFails(config().command("sh", "-c", GO_PLUGIN_REFUSAL).build());
        assertThat(failure.kind()).isEqualTo(Kind.COOKIE_MISMATCH);
        assertThat(failure).hasMessageContaining("magic cookie mismatch? the host set OUTPOST_TEST_PLUGIN=probe in "
                + "its environment, and the plugin answered that it is a plugin meant to be started by its host");
    }

    @Test
    void anExitWithStatusOneAtOnceAndNothingOnStdoutIsASuspectedMismatchWhenSilentOrAboutTheCookie() {
        for (String script : List.of("exit 1", "echo 'bad cookie' >&2; exit 1")) {
            PluginStartException failure = startFails(config().command("sh", "-c", script).build());
            assertThat(failure.kind()).as(script).isEqualTo(Kind.COOKIE_MISMATCH);
            assertThat(failure).hasMessageContaining("magic cookie mismatch? the host set OUTPOST_TEST_PLUGIN=probe")
                    .hasMessageContaining("without a word on stdout");
        }
        PluginStartException other = startFails(config().command("sh", "-c", "echo 'no database' >&2; exit 1").build());
        assertThat(other.kind()).as("another reason, said").isEqualTo(Kind.EXITED);
        assertThat(other).hasMessageContaining("| no database");
    }

    @ParameterizedTest
    @ValueSource(strings = {"echo 'config file missing' >&2; exit 3", "echo 'starting up'; exit 1",
            "echo 'panic: runtime error: index out of range' >&2; exit 1"})
    void aCrashBeforeTheHandshakeMayHeal(String script) {
        PluginStartException failure = startFails(config().command("sh", "-c", script).build());
        assertThat(failure.kind()).isEqualTo(Kind.EXITED);
        assertThat(failure.permanent()).isFalse();
        assertThat(failure.getMessage()).doesNotContain("cookie");
    }

    @Test
    void aHandshakeTimeoutMayHeal() {
        PluginStartException failure = startFails(config().command("sh", "-c", "exec sleep 600")
                .startTimeout(Duration.ofMillis(500)).build());
        assertThat(failure.kind()).isEqualTo(Kind.TIMED_OUT);
        assertThat(failure.permanent()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1|7|unix|/tmp/x.sock|grpc|", "3|1|unix|/tmp/x.sock|grpc|", "1|1|unix|/tmp/x.sock|netrpc|"})
    void incompatibleVersionsAndProtocolsArePermanent(String handshake) {
        PluginStartException failure = startFails(config()
                .command("sh", "-c", "echo '" + handshake + "'; exec sleep 600").build());
        assertThat(failure.kind()).isEqualTo(Kind.INCOMPATIBLE);
        assertThat(failure.permanent()).isTrue();
    }

    @Test
    void aMissingCommandIsPermanent() {
        PluginStartException failure = startFails(config().command(dir.resolve("missing").toString()).build());
        assertThat(failure.kind()).isEqualTo(Kind.CANNOT_EXECUTE);
        assertThat(failure.permanent()).isTrue();
    }

    @Test
    void aCommandThatIsNotExecutableIsPermanent() throws Exception {
        Path file = Files.writeString(dir.resolve("not-executable"), "#!/bin/sh\n");
        assertThat(startFails(config().command(file.toString()).build()).kind()).isEqualTo(Kind.CANNOT_EXECUTE);
    }

    @Test
    void aChecksumMismatchIsPermanent() throws Exception {
        Path file = Files.writeString(dir.resolve("plugin.sh"), "#!/bin/sh\nexit 0\n");
        byte[] other = MessageDigest.getInstance("SHA-256").digest("another".getBytes(StandardCharsets.UTF_8));
        PluginStartException failure = startFails(config().command(file.toString()).checksum("SHA-256", other).build());
        assertThat(failure.kind()).isEqualTo(Kind.CHECKSUM_MISMATCH);
        assertThat(failure.permanent()).isTrue();
    }

    @Test
    void aJarWithoutMainClassIsPermanent() throws Exception {
        PluginStartException failure = startFails(config()
                .command(JavaCommand.jar(jar("no-main.jar", null)).noClassDataSharing().build()).build());
        assertThat(failure.kind()).isEqualTo(Kind.NO_MAIN_CLASS);
        assertThat(failure).hasMessageContaining("its jar names no Main-Class in its manifest")
                .hasMessageContaining("| no main manifest attribute");
    }

    @Test
    void aThinJarWithoutItsClassesIsPermanent() throws Exception {
        PluginStartException failure = startFails(config()
                .command(JavaCommand.jar(jar("thin.jar", ProbePlugin.class.getName())).noClassDataSharing().build())
                .build());
        assertThat(failure.kind()).isEqualTo(Kind.NO_MAIN_CLASS);
        assertThat(failure).hasMessageContaining("its main class is not on its class path")
                .hasMessageContaining("| Error: Could not find or load main class " + ProbePlugin.class.getName());
    }

    @Test
    void aMissingJarIsPermanent() {
        PluginStartException failure = startFails(config()
                .command(JavaCommand.jar(dir.resolve("gone.jar")).noClassDataSharing().build()).build());
        assertThat(failure.kind()).isEqualTo(Kind.CANNOT_EXECUTE);
    }

    /** A jar with only a manifest, naming {@code mainClass} (or none). */
    private Path jar(String name, String mainClass) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        return file;
    }
}
