package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The packaged {@code ./outpost} command, run as a user would. */
class OutpostCommandIT {

    private static final Path REPO = Path.of(System.getProperty("outpost.repo", "..")).toAbsolutePath().normalize();

    record Run(int exitCode, String out) {
    }

    /** Runs {@code ./outpost ARGS} to its end, stdin empty; its stdout and stderr together. */
    static Run outpost(String... args) throws Exception {
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

    @Test
    void runPrintsOneJsonObjectPerStateChangeAndWarnsOfWhatItSkips(@TempDir Path plugins, @TempDir Path logs)
            throws Exception {
        Path failing = plugins.resolve("failing");
        Files.writeString(failing, "#!/bin/sh\necho 'first problem' >&2\necho 'second problem' >&2\nexit 3\n");
        Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(plugins.resolve("notes.txt"), "not a plugin");
        Path stderr = logs.resolve("stderr");
        Process run = new ProcessBuilder(REPO.resolve("outpost").toString(), "run", "--json", plugins.toString())
                .redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        StdoutLines lines = new StdoutLines(run);
        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> events = new ArrayList<>();
        while (events.stream().noneMatch(event -> event.get("to").asString().equals("CRASHED"))) {
            String line = lines.poll(60, TimeUnit.SECONDS);
            assertThat(line).as("a CRASHED event; so far: %s; stderr: %s", events, Files.readString(stderr))
                    .isNotNull().isNotEqualTo(StdoutLines.END);
            events.add(json.readTree(line));
        }
        run.toHandle().destroy(); // SIGTERM
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        lines.awaitEnd(10_000);
        for (String line = lines.poll(); line != null && !line.equals(StdoutLines.END); line = lines.poll()) {
            events.add(json.readTree(line)); // every line of stdout is an event
        }
        assertThat(run.exitValue()).as(Files.readString(stderr)).isZero();

        assertThat(events).allSatisfy(event -> {
            assertThat(event.propertyNames()).containsExactly("id", "from", "to", "reason", "at", "pid", "restarts",
                    "lastExitCode", "stderrTail");
            assertThat(event.get("id").asString()).isEqualTo("failing");
            assertThat(Instant.parse(event.get("at").asString())).isBefore(Instant.now());
        });
        assertThat(events.get(0).get("from").asString() + " -> " + events.get(0).get("to").asString())
                .isEqualTo("LOADING -> STARTING");
        JsonNode crash = events.stream().filter(event -> event.get("to").asString().equals("CRASHED")).findFirst()
                .orElseThrow();
        assertThat(crash.get("reason").asString()).contains("exited with status 3 before its handshake")
                .doesNotContain("problem");
        assertThat(crash.get("pid").isNull()).isTrue();
        assertThat(crash.get("stderrTail").valueStream().map(JsonNode::asString))
                .containsExactly("first problem", "second problem");
        String warnings = Files.readString(stderr);
        assertThat(warnings).contains("WARN outpost.directory - skipping " + plugins.resolve("notes.txt")
                + ": not executable").contains("outpost: stopped");
    }
}
