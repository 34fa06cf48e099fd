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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The packaged {@code ./outpost} command, run as a user would. */
class OutpostCommandIT {

    /** {@code outpost run --json}, its events read from stdout as they come, its stderr in a file. */
    private record JsonRun(Process process, StdoutLines lines, Path stderr) {
        static JsonRun start(Path stderr, Map<String, String> env, String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(REPO.resolve("outpost").toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(env);
            Process run = builder.start();
            return new JsonRun(run, new StdoutLines(run), stderr);
        }

        /** The events up to the first that moves to {@code state}. */
        List<JsonNode> until(String state) throws Exception {
            List<JsonNode> events = new ArrayList<>();
            while (events.stream().noneMatch(event -> event.get("to").asString().equals(state))) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                assertThat(line).as("a %s event; so far: %s; stderr: %s", state, events, Files.readString(stderr))
                        .isNotNull().isNotEqualTo(StdoutLines.END);
                events.add(JSON.readTree(line));
            }
            return events;
        }

        /** SIGTERM; the rest of the events go to {@code events}; it must exit with status 0. */
        void stop(List<JsonNode> events) throws Exception {
            process.toHandle().destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            lines.awaitEnd(10_000);
            for (String line = lines.poll(); line != null && !line.equals(StdoutLines.END); line = lines.poll()) {
                events.add(JSON.readTree(line)); // every line of stdout is an event
            }
            assertThat(process.exitValue()).as(Files.readString(stderr)).isZero();
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

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
        JsonRun run = JsonRun.start(stderr, Map.of(), "run", "--json", plugins.toString());
        List<JsonNode> events = run.until("CRASHED");
        run.stop(events);

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

    @Test
    void withoutBubblewrapASandboxedPluginFailsAndNeverRunsUnconfined(@TempDir Path plugins, @TempDir Path bin,
                                                                      @TempDir Path logs) throws Exception {
        Path ran = logs.resolve("ran");
        Path plugin = plugins.resolve("confined");
        Files.writeString(plugin, "#!/bin/sh\ntouch " + ran + "\n");
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        // A PATH with java and what ./outpost runs, without bwrap.
        Files.createSymbolicLink(bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        for (String tool : List.of("readlink", "dirname")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool));
        }
        JsonRun run = JsonRun.start(logs.resolve("stderr"), Map.of("PATH", bin.toString()), "run", "--json",
                "--sandbox", plugins.toString());
        List<JsonNode> events = run.until("FAILED");
        run.stop(events);
        JsonNode failed = events.stream().filter(event -> event.get("to").asString().equals("FAILED")).findFirst()
                .orElseThrow();
        assertThat(failed.get("from").asString()).isEqualTo("STARTING");
        assertThat(failed.get("reason").asString()).isEqualTo("plugin 'confined': sandbox needs bubblewrap (Debian: "
                + "apt-get install bubblewrap); no bwrap on PATH");
        assertThat(failed.get("restarts").asInt()).isZero();
        assertThat(ran).as("what the plugin would have done unconfined").doesNotExist();
    }
}
