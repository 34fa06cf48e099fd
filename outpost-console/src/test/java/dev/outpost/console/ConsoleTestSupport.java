package dev.outpost.console;

import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.RestartPolicy;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the console's tests share: a plugins directory of real gadget plugins, a manager of it, and a console
 * of that manager, closed after each test; and requests over real HTTP.
 */
abstract class ConsoleTestSupport {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    PluginManager manager;
    PluginConsole console;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * A folder plugin {@code id} with a manifest (name and version), that writes {@code "<id> is warming up"}
     * on stderr before it serves the gadget.
     */
    void plugin(String id) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(id));
        String script = "echo '" + id + " is warming up' >&2; exec " + quote(TestJvm.of(GadgetPlugin.class));
        String command = List.of("/bin/sh", "-c", script).stream()
                .map(part -> JSON.writeValueAsString(part)).collect(Collectors.joining(", ", "[", "]"));
        Files.writeString(folder.resolve("plugin.json"), "{\"id\": \"" + id + "\", \"name\": \"Gadget " + id
                + "\", \"version\": \"1.2.3\", \"command\": " + command + "}", StandardCharsets.UTF_8);
    }

    private static String quote(List<String> command) {
        return command.stream().map(part -> "'" + part.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    /** A manager of {@link #dir} and a console of it, started before the manager so that it sees every event. */
    void startManagerAndConsole() {
        manager = PluginManager.builder().directory(dir).handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class).noClassDataSharing()
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(200))
                        .maxDelay(Duration.ofMillis(400)).jitter(0.1).maxRestarts(20).window(Duration.ofMinutes(1))
                        .build())
                .build();
        console = PluginConsole.builder(manager).start();
        manager.start();
    }

    @AfterEach
    void closeConsoleAndManager() {
        if (console != null) {
            console.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    PluginInfo info(String id) {
        return manager.plugin(id).orElseThrow();
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(console.uri().resolve(path)).timeout(Duration.ofSeconds(60));
    }

    HttpRequest.Builder authorized(String path) {
        return request(path).header("Authorization", "Bearer " + console.token());
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(authorized(path).GET());
    }

    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return send(authorized(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }
}
