package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.PluginStartException.Kind;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules behind {@link PluginStartException#kind()}, without processes. */
class StartFailuresTest {

    private static final HandshakeConfig COOKIE = HandshakeConfig.of(1, "APP_PLUGIN", "hello");
    private static final Duration QUICK = Duration.ofMillis(40);
    private static final Duration LONG = Duration.ofSeconds(10);

    private static Kind exit(int status, Duration alive, boolean stdout, String... stderr) {
        return StartFailures.ofExit(new PluginExit(status, 42), alive, stdout, List.of(stderr), COOKIE).kind();
    }

    @Test
    void theRefusalTextMakesItCertainHoweverLongTheStartTook() {
        assertThat(exit(1, LONG, true, "This binary is a plugin. These are not meant to be executed directly."))
                .isEqualTo(Kind.COOKIE_MISMATCH);
        assertThat(exit(1, LONG, false, "This program is a plugin: a host application starts it and talks to it."))
                .isEqualTo(Kind.COOKIE_MISMATCH);
    }

    @Test
    void withoutTheTextOnlyAQuickExitWithStatusOneSilentOrAboutTheCookieIsSuspected() {
        assertThat(exit(1, QUICK, false)).isEqualTo(Kind.COOKIE_MISMATCH);
        assertThat(exit(1, QUICK, false, "Wrong cookie, go away")).isEqualTo(Kind.COOKIE_MISMATCH);
        assertThat(exit(1, QUICK, false, "cannot reach the database at db:5432")).as("another reason, said")
                .isEqualTo(Kind.EXITED);
        assertThat(exit(1, LONG, false)).as("ran for a while").isEqualTo(Kind.EXITED);
        assertThat(exit(1, QUICK, true)).as("printed on stdout").isEqualTo(Kind.EXITED);
        assertThat(exit(2, QUICK, false)).as("another status").isEqualTo(Kind.EXITED);
        assertThat(exit(1, QUICK, false, "Exception in thread \"main\" java.lang.IllegalStateException: no config"))
                .as("a crash").isEqualTo(Kind.EXITED);
        assertThat(exit(1, QUICK, false, "Traceback (most recent call last):")).as("a Python crash")
                .isEqualTo(Kind.EXITED);
    }

    @Test
    void theMessageNamesTheCookieTheHostSent() {
        assertThat(StartFailures.ofExit(new PluginExit(1, 42), QUICK, false, List.of(), COOKIE).explanation())
                .startsWith(": magic cookie mismatch? the host set APP_PLUGIN=hello in its environment");
    }

    @Test
    void bubblewrapsOwnFailuresAreNeitherCookieMismatchesNorWorthARetry() {
        assertThat(exit(1, QUICK, false, "bwrap: setting up uid map: Permission denied"))
                .isEqualTo(Kind.RUNNER_UNAVAILABLE);
        assertThat(exit(1, QUICK, false, "bwrap: execvp ./run: No such file or directory"))
                .isEqualTo(Kind.CANNOT_EXECUTE);
        assertThat(exit(2, QUICK, false, "bwrap: whatever")).as("the plugin's own status").isEqualTo(Kind.EXITED);
    }

    @Test
    void aCommandTheLimitsWrapperCannotExecuteIsPermanent() {
        assertThat(exit(127, QUICK, false, "outpost-limits: 7: exec: /p/kv: not found")).isEqualTo(Kind.CANNOT_EXECUTE);
        assertThat(exit(126, QUICK, false, "outpost-limits: 7: exec: /p/kv: Permission denied"))
                .isEqualTo(Kind.CANNOT_EXECUTE);
        assertThat(exit(127, QUICK, false, "sh: 1: foo: not found")).as("the plugin's own shell").isEqualTo(Kind.EXITED);
    }

    @Test
    void jvmLauncherErrorsAreNotCookieMismatches() {
        assertThat(exit(1, QUICK, false, "Error: Main method not found in class a.B, please define the main method"))
                .isEqualTo(Kind.NO_MAIN_CLASS);
        assertThat(exit(1, QUICK, false, "Error: LinkageError occurred while loading main class a.B",
                "\tjava.lang.UnsupportedClassVersionError: a/B has been compiled by a more recent version"))
                .isEqualTo(Kind.NO_MAIN_CLASS);
        assertThat(exit(1, QUICK, false, "Error: Invalid or corrupt jarfile /p/x.jar")).isEqualTo(Kind.CANNOT_EXECUTE);
    }

    @Test
    void anInvalidHandshakeIsIncompatibleOnlyWhenItAnnouncesAnotherCoreProtocol() {
        assertThat(StartFailures.ofInvalidHandshake("2|1|unix|/tmp/x.sock|grpc|")).isEqualTo(Kind.INCOMPATIBLE);
        assertThat(StartFailures.ofInvalidHandshake("1|garbage")).isEqualTo(Kind.OTHER);
        assertThat(StartFailures.ofInvalidHandshake("x|1|unix|/tmp/x.sock|grpc|")).isEqualTo(Kind.OTHER);
    }

    @Test
    void onlyExecErrorsThatCannotPassArePermanent() {
        assertThat(StartFailures.ofLaunchError(new IOException("Cannot run program \"x\": error=2, No such file",
                new IOException("error=2, No such file or directory")))).isEqualTo(Kind.CANNOT_EXECUTE);
        assertThat(StartFailures.ofLaunchError(new IOException("error=13, Permission denied")))
                .isEqualTo(Kind.CANNOT_EXECUTE);
        assertThat(StartFailures.ofLaunchError(new IOException("error=12, Cannot allocate memory")))
                .isEqualTo(Kind.OTHER);
        assertThat(StartFailures.ofLaunchError(new IOException("error=11, Resource temporarily unavailable")))
                .isEqualTo(Kind.OTHER);
    }
}
