package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which lines of a plugin's stderr say why it failed. */
class StderrCauseTest {

    private static List<String> cause(String... lines) {
        StderrCause cause = new StderrCause();
        for (String line : lines) {
            cause.accept(line);
        }
        return cause.lines();
    }

    @Test
    void anUncaughtExceptionAndItsCausesWithoutTheirFrames() {
        assertThat(cause("starting",
                "Exception in thread \"main\" java.lang.IllegalStateException: cannot open the store",
                "\tat example.Store.open(Store.java:10)",
                "\tat example.Main.main(Main.java:5)",
                "Caused by: java.io.UncheckedIOException: not readable",
                "\tat example.Store.read(Store.java:20)",
                "\t... 2 more",
                "Caused by: java.io.IOException: Permission denied",
                "\t... 3 more"))
                .containsExactly("Exception in thread \"main\" java.lang.IllegalStateException: cannot open the store",
                        "Caused by: java.io.UncheckedIOException: not readable",
                        "Caused by: java.io.IOException: Permission denied");
    }

    @Test
    void aPrintedStackTraceIsKnownByTheFrameBelowItsLine() {
        assertThat(cause("loading settings", "java.nio.file.NoSuchFileException: /etc/plugin.conf",
                "\tat java.base/sun.nio.fs.UnixException.translateToIOException(UnixException.java:92)"))
                .containsExactly("java.nio.file.NoSuchFileException: /etc/plugin.conf");
    }

    @Test
    void onlyTheFirstExceptionCountsAndItsTraceEndsAtTheFirstOtherLine() {
        assertThat(cause("Exception in thread \"main\" java.lang.Error: first",
                "\tat a.B.c(B.java:1)",
                "shutting down",
                "Caused by: java.lang.Error: not the first's",
                "Exception in thread \"other\" java.lang.Error: second",
                "\tat a.B.d(B.java:2)"))
                .containsExactly("Exception in thread \"main\" java.lang.Error: first");
    }

    @Test
    void aMessageOfSeveralLinesDoesNotEndTheTrace() {
        assertThat(cause("Exception in thread \"main\" java.lang.IllegalArgumentException: bad settings:",
                "  port: not a number",
                "\tat a.B.c(B.java:1)",
                "Caused by: java.lang.NumberFormatException: For input string: \"x\""))
                .containsExactly("Exception in thread \"main\" java.lang.IllegalArgumentException: bad settings:",
                        "Caused by: java.lang.NumberFormatException: For input string: \"x\"");
    }

    @Test
    void aGoPanicsFirstLine() {
        assertThat(cause("panic: runtime error: invalid memory address or nil pointer dereference", "",
                "goroutine 1 [running]:", "main.main()"))
                .containsExactly("panic: runtime error: invalid memory address or nil pointer dereference");
    }

    @Test
    void plainLinesAloneAreNoCause() {
        assertThat(cause("config file missing", "  indented", "")).isEmpty();
    }

    @Test
    void aLongChainKeepsItsFirstLinesAndItsDeepestCause() {
        String[] lines = new String[2 + 2 * 20];
        lines[0] = "Exception in thread \"main\" java.lang.Error: top";
        lines[1] = "\tat a.B.c(B.java:1)";
        for (int i = 0; i < 20; i++) {
            lines[2 + 2 * i] = "Caused by: java.lang.Error: level " + i;
            lines[3 + 2 * i] = "\t... 1 more";
        }
        List<String> cause = cause(lines);
        assertThat(cause).hasSize(StderrCause.MAX_LINES)
                .startsWith("Exception in thread \"main\" java.lang.Error: top", "Caused by: java.lang.Error: level 0")
                .endsWith("Caused by: java.lang.Error: level 19");
    }
}
