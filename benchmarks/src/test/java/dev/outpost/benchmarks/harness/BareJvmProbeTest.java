package dev.outpost.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** BareJvmProbe's lines and its failures, against a real bare JVM and against commands that are not one. */
class BareJvmProbeTest {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String CLASS_PATH = System.getProperty("java.class.path");

    /** The probe's exit code and its output, run in a JVM of its own (it ends with System.exit). */
    private record Run(int exit, String out) {
    }

    private static Run probe(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA, "-cp", CLASS_PATH, BareJvmProbe.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the probe exited").isTrue();
            return new Run(process.exitValue(), out);
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void timesTheColdStartsAndMeasuresTheIdleRssOfABareJvm() throws Exception {
        Run run = probe("--cold", "2", "--idle-ms", "100", "--", JAVA, "-cp", CLASS_PATH, BareJvm.class.getName());

        assertThat(run.exit()).as(run.out()).isZero();
        List<ResultsReport.Row> rows = new ArrayList<>();
        ResultsReport report = new ResultsReport();
        run.out().lines().forEach(line -> report.parse("pair=bare-jvm round=1 " + line).ifPresent(rows::add));
        assertThat(rows).extracting(ResultsReport.Row::what).containsExactly("bare_cold_start", "bare_idle");
        assertThat(rows.get(0).num("runs")).isEqualTo(2);
        assertThat(rows.get(0).num("p50_ms")).isPositive();
        assertThat(rows.get(0).num("min_ms")).isLessThanOrEqualTo(rows.get(0).num("max_ms"));
        // Any JVM maps more than 10 MB; the probe measured the child, not a shell or nothing.
        assertThat(rows.get(1).num("rss_mb")).isGreaterThan(10);
        assertThat(run.out()).contains("PASS bare JVM");
    }

    @Test
    void aCommandThatPrintsSomethingElseFailsNamingWhatItPrinted() throws Exception {
        Run run = probe("--cold", "1", "--", "sh", "-c", "echo hello");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("FAIL bare JVM sh -c echo hello: ", "printed \"hello\" where \"hi\" was expected");
    }

    @Test
    void aCommandThatFailsAfterItsLineFailsWithItsExitCode() throws Exception {
        Run run = probe("--cold", "1", "--", "sh", "-c", "echo hi; exit 3");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("exited with 3").doesNotContain("BENCH");
    }

    @Test
    void aCommandThatPrintsNothingFailsSayingItsOutputEnded() throws Exception {
        Run run = probe("--idle-ms", "100", "--", "true");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("printed nothing (its output ended) where \"hi\" was expected");
    }
}
