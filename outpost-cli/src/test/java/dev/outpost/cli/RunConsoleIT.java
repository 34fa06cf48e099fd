package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code ./outpost run --http}: the console of the packaged command, asked over HTTP as a script would. */
class RunConsoleIT {

    private static final Path REPO = Path.of(System.getProperty("outpost.repo", "..")).toAbsolutePath().normalize();
    private static final Pattern CONSOLE =
            Pattern.compile("console (http://127\\.0\\.0\\.1:(\\d+)/)#token=([A-Za-z0-9_-]{43})");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theConsoleListsThePluginsRefusesRequestsWithoutTheTokenAndRestartsAPlugin(@TempDir Path logs)
            throws Exception {
        Path packaged = REPO.resolve("examples/iglu/amazing-plugin/target/outpost");
        assertThat(packaged.resolve("amazing/plugin.json")).as("packaged by the reactor before this module")
                .isRegularFile();
        Path stderr = logs.resolve("stderr");
        Process run = new ProcessBuilder(REPO.resolve("outpost").toString(), "run", "--cookie", "IGLU_PLUGIN=MzlK0OGpIRs",
                "--http", "127.0.0.1:0", packaged.toString())
                .redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            StdoutLines lines = new StdoutLines(run);
            String first = lines.poll(60, TimeUnit.SECONDS);
            Matcher console = CONSOLE.matcher(first == null ? "" : first);
            assertThat(console.matches()).as("the first line, %s; stderr: %s", first, Files.readString(stderr)).isTrue();
            URI base = URI.create(console.group(1));
            String token = console.group(3);

            JsonNode running = await().atMost(Duration.ofSeconds(60)).until(() -> amazing(base, token),
                    plugin -> plugin != null && plugin.get("state").asString().equals("RUNNING"));
            long pid = running.get("pid").asLong();

            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(base.resolve("/api/plugins")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);

            HttpResponse<String> restart = http.send(HttpRequest.newBuilder(base.resolve("/api/plugins/amazing/restart"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(restart.statusCode()).as(restart.body()).isEqualTo(200);
            JsonNode after = amazing(base, token);
            assertThat(after.get("state").asString()).isEqualTo("RUNNING");
            assertThat(after.get("pid").asLong()).isNotEqualTo(pid);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));

            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("outpost_plugin_state{id=\"amazing\",state=\"RUNNING\"} 1.0");

            run.toHandle().destroy(); // SIGTERM
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(stderr)).isZero();
            long last = after.get("pid").asLong();
            assertThat(ProcessHandle.of(last).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        } finally {
            run.destroyForcibly();
            run.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The list's entry for amazing; null while the list does not have it. */
    private JsonNode amazing(URI base, String token) throws Exception {
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(base.resolve("/api/plugins"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        JsonNode plugins = JSON.readTree(list.body());
        assertThat(plugins.isArray()).isTrue();
        return plugins.valueStream().filter(plugin -> plugin.get("id").asString().equals("amazing")).findFirst()
                .orElse(null);
    }

    @Test
    void aNonLoopbackAddressABadOneOrATakenPortIsReported(@TempDir Path plugins) throws Exception {
        OutpostCommandIT.Run remote = OutpostCommandIT.outpost("run", "--http", "0.0.0.0:0", plugins.toString());
        assertThat(remote.exitCode()).as(remote.out()).isEqualTo(2);
        assertThat(remote.out()).contains("--http 0.0.0.0:0 is not a loopback address: other machines could reach"
                + " the console; add --http-allow-remote to allow it, or use 127.0.0.1");

        OutpostCommandIT.Run noPort = OutpostCommandIT.outpost("run", "--http", "127.0.0.1", plugins.toString());
        assertThat(noPort.exitCode()).as(noPort.out()).isEqualTo(2);
        assertThat(noPort.out()).contains("--http expects HOST:PORT (e.g. 127.0.0.1:8080): an address must be "
                + "host:port, got \"127.0.0.1\"");

        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            OutpostCommandIT.Run busy = OutpostCommandIT.outpost("run", "--http", "127.0.0.1:" + taken.getLocalPort(),
                    plugins.toString());
            assertThat(busy.exitCode()).as(busy.out()).isEqualTo(1);
            assertThat(busy.out()).startsWith("outpost: console cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
                    .doesNotContain("Exception");
        }
    }
}
