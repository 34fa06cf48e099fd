package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The packaged {@code ./outpost} command, run as a user would. */
class OutpostCommandIT {

    private static final Path REPO = Path.of(System.getProperty("outpost.repo", "..")).toAbsolutePath().normalize();

    private record Run(int exitCode, String out) {
    }

    private static Run outpost(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(REPO.resolve("outpost").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as(out).isTrue();
        return new Run(process.exitValue(), out);
    }

    @Test
    void theDemoShowsACrashAndAReloadAndLeavesNoProcess() throws Exception {
        Run demo = outpost("demo");
        assertThat(demo.exitCode()).as(demo.out()).isZero();
        assertThat(demo.out())
                .contains("amazing RUNNING -> CRASHED [process was killed by signal 9 (SIGKILL)]")
                .containsPattern("amazing RUNNING -> RUNNING \\[reloaded v0.1.0 -> v0.2.0, pid \\d+\\]")
                .containsPattern("  amazing +Amazing Plugin +v0.2.0 +RUNNING +\\d+ +1 ")
                .containsPattern("Summary: \\d plugins \\(amazing.*\\); crash detected in \\d+ ms and recovered in \\d+ ms;"
                        + " reload to v0.2.0 with \\d+ calls, 0 failed; (\\d) of \\1 stopped cleanly.");
        Matcher pids = Pattern.compile("pid (\\d+)").matcher(demo.out());
        int seen = 0;
        while (pids.find()) {
            seen++;
            assertThat(ProcessHandle.of(Long.parseLong(pids.group(1))).map(ProcessHandle::isAlive))
                    .as("plugin process %s", pids.group(1)).isIn(java.util.Optional.empty(), java.util.Optional.of(false));
        }
        assertThat(seen).isGreaterThanOrEqualTo(3);
    }

    @Test
    void usageErrorsAreReported() throws Exception {
        Run run = outpost("check");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).contains("Missing required parameter: 'CMD'");
    }
}
