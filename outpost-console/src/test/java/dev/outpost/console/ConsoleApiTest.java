package dev.outpost.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.manager.PluginState;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** The console's JSON API and metrics over real HTTP, on a manager running real plugins. */
@ExtendWith(LeakCheck.class)
class ConsoleApiTest extends ConsoleTestSupport {

    @Test
    void listsEveryPluginWithItsStateProcessMemoryAndStderr() throws Exception {
        plugin("alpha");
        plugin("beta");
        startManagerAndConsole();

        HttpResponse<String> response = get("/api/plugins");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode plugins = json(response);
        assertThat(plugins.isArray()).isTrue();
        assertThat(plugins.valueStream().map(plugin -> plugin.get("id").asString())).containsExactly("alpha", "beta");
        JsonNode alpha = plugins.get(0);
        assertThat(alpha.propertyNames()).containsExactly("id", "name", "version", "description", "source", "state",
                "pid", "startedAt", "uptimeMillis", "restarts", "memoryRssBytes", "lastError", "lastExitCode",
                "stderrTail");
        assertThat(alpha.get("name").asString()).isEqualTo("Gadget alpha");
        assertThat(alpha.get("version").asString()).isEqualTo("1.2.3");
        assertThat(alpha.get("state").asString()).isEqualTo("RUNNING");
        assertThat(alpha.get("pid").asLong()).isEqualTo(info("alpha").pid().getAsLong());
        assertThat(alpha.get("uptimeMillis").asLong()).isNotNegative();
        assertThat(alpha.get("restarts").asInt()).isZero();
        assertThat(alpha.get("lastError").isNull()).isTrue();
        // A JVM's resident memory: more than a few MB, and read from the process itself.
        assertThat(alpha.get("memoryRssBytes").asLong()).isGreaterThan(8L << 20);
        assertThat(alpha.get("stderrTail").valueStream().map(JsonNode::asString)).contains("alpha is warming up");
    }

    @Test
    void everyRequestButThePagesFilesNeedsTheToken() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        String wrong = "Bearer " + "x".repeat(console.token().length());
        List<HttpRequest.Builder> guarded = List.of(request("/api/plugins"), request("/api/plugins/alpha"),
                request("/api/plugins/alpha/events"), request("/api/stream"), request("/metrics"),
                request("/anything-else"), request("/api/plugins").header("Authorization", wrong),
                request("/api/plugins").header("Authorization", console.token()),
                request("/api/plugins/alpha/restart").POST(HttpRequest.BodyPublishers.noBody()));
        long pid = info("alpha").pid().getAsLong();

        for (HttpRequest.Builder request : guarded) {
            HttpResponse<String> response = send(request);
            assertThat(response.statusCode()).as("%s: %s", request.build(), response.body()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    value -> assertThat(value).startsWith("Bearer"));
            assertThat(json(response).get("error").asString()).contains("Authorization: Bearer TOKEN")
                    .doesNotContain(console.token());
        }
        assertThat(info("alpha").pid()).hasValue(pid); // the refused restart did nothing

        for (String file : List.of("/", "/console.js", "/console.css")) {
            HttpResponse<String> page = send(request(file).GET());
            assertThat(page.statusCode()).as(file).isEqualTo(200);
            assertThat(page.body()).doesNotContain(console.token());
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                    policy -> assertThat(policy).contains("script-src 'self'", "frame-ancestors 'none'"));
        }
        assertThat(send(request("/").GET()).body()).contains("<table id=\"plugins\"");
        assertThat(console.token()).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(console.link().toString()).isEqualTo(console.uri() + "#token=" + console.token());
        assertThat(console.address().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void onePluginItsEventsAndBadRequestsSayWhatWasWrong() throws Exception {
        plugin("alpha");
        startManagerAndConsole();

        JsonNode alpha = json(get("/api/plugins/alpha"));
        assertThat(alpha.get("id").asString()).isEqualTo("alpha");
        assertThat(alpha.get("state").asString()).isEqualTo("RUNNING");
        JsonNode events = json(get("/api/plugins/alpha/events"));
        assertThat(events.valueStream().map(event -> event.get("from").asString() + " -> " + event.get("to").asString()))
                .containsExactly("LOADING -> STARTING", "STARTING -> RUNNING");
        assertThat(events.get(1).get("reason").asString()).isEqualTo("pid " + info("alpha").pid().getAsLong());

        HttpResponse<String> unknown = get("/api/plugins/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asString()).isEqualTo("no plugin 'nope' (known: [alpha])");
        assertThat(post("/api/plugins/nope/restart").statusCode()).isEqualTo(404);
        assertThat(get("/api/plugins/nope/events").statusCode()).isEqualTo(404);

        HttpResponse<String> badAction = post("/api/plugins/alpha/explode");
        assertThat(badAction.statusCode()).isEqualTo(400);
        assertThat(json(badAction).get("error").asString()).isEqualTo("unknown action 'explode' for plugin 'alpha';"
                + " expected one of [disable, enable, reload, restart, start, stop]");

        HttpResponse<String> getAnAction = get("/api/plugins/alpha/restart");
        assertThat(getAnAction.statusCode()).isEqualTo(405);
        assertThat(getAnAction.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> postTheList = post("/api/plugins");
        assertThat(postTheList.statusCode()).isEqualTo(405);
        assertThat(postTheList.headers().firstValue("Allow")).hasValue("GET");
        assertThat(json(postTheList).get("error").asString()).isEqualTo("POST /api/plugins is not allowed; use GET");
        assertThat(post("/api/plugins/alpha/events").statusCode()).isEqualTo(405);
        assertThat(send(authorized("/api/plugins/alpha").DELETE()).statusCode()).isEqualTo(405);
        assertThat(get("/api/plugins/alpha/events/more").statusCode()).isEqualTo(404);
        assertThat(get("/api/other").statusCode()).isEqualTo(404);
        assertThat(info("alpha").restarts()).isZero();
    }

    @Test
    void actionsRestartStopStartDisableEnableAndReloadThePlugin() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        long first = info("alpha").pid().getAsLong();

        JsonNode restarted = json(post("/api/plugins/alpha/restart"));
        assertThat(restarted.get("state").asString()).isEqualTo("RUNNING");
        long second = restarted.get("pid").asLong();
        assertThat(second).isNotEqualTo(first).isEqualTo(info("alpha").pid().getAsLong());
        assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));

        JsonNode stopped = json(post("/api/plugins/alpha/stop"));
        assertThat(stopped.get("state").asString()).isEqualTo("STOPPED");
        assertThat(stopped.get("pid").isNull()).isTrue();
        assertThat(stopped.get("memoryRssBytes").isNull()).isTrue();
        HttpResponse<String> reloadStopped = post("/api/plugins/alpha/reload");
        assertThat(reloadStopped.statusCode()).isEqualTo(409);
        assertThat(json(reloadStopped).get("error").asString()).isEqualTo(
                "plugin 'alpha' is STOPPED, not RUNNING: nothing to reload");

        assertThat(json(post("/api/plugins/alpha/start")).get("state").asString()).isEqualTo("RUNNING");
        assertThat(json(post("/api/plugins/alpha/disable")).get("state").asString()).isEqualTo("DISABLED");
        assertThat(info("alpha").state()).isEqualTo(PluginState.DISABLED);
        assertThat(json(post("/api/plugins/alpha/enable")).get("state").asString()).isEqualTo("RUNNING");
        long beforeReload = info("alpha").pid().getAsLong();
        JsonNode reloaded = json(post("/api/plugins/alpha/reload"));
        assertThat(reloaded.get("state").asString()).isEqualTo("RUNNING");
        assertThat(reloaded.get("pid").asLong()).isNotEqualTo(beforeReload);
        assertThat(json(get("/api/plugins/alpha/events")).valueStream().map(event -> event.get("to").asString()))
                .containsSubsequence("STOPPED", "RUNNING", "DISABLED", "RUNNING", "RUNNING");
    }

    @Test
    void theMetricsAreMicrometersPrometheusScrape() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        ProcessHandle.of(info("alpha").pid().getAsLong()).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(60)).until(() -> info("alpha").restarts() == 1
                && info("alpha").state() == PluginState.RUNNING);

        HttpResponse<String> metrics = get("/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(metrics.body()).contains("outpost_plugin_state{id=\"alpha\",state=\"RUNNING\"} 1.0",
                "outpost_plugin_state{id=\"alpha\",state=\"CRASHED\"} 0.0",
                "outpost_plugin_crashes_total{id=\"alpha\"} 1.0", "outpost_plugin_restarts_total{id=\"alpha\"} 1.0");
        assertThat(post("/metrics").statusCode()).isEqualTo(405);
    }

    @Test
    void aNonLoopbackAddressMustBeAskedFor() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        assertThatThrownBy(() -> PluginConsole.builder(manager).address(new InetSocketAddress("0.0.0.0", 0)).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("console address 0.0.0.0 is not a loopback address: other machines could reach it;"
                        + " allow it explicitly (allowNonLoopback, --http-allow-remote) or listen on 127.0.0.1");
        int taken = console.address().getPort();
        assertThatThrownBy(() -> PluginConsole.builder(manager)
                .address(new InetSocketAddress(console.address().getAddress(), taken)).start())
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageStartingWith("console cannot listen on 127.0.0.1:" + taken + ": ");
    }

    @Test
    void closingTheConsoleEndsItsStreamsAndLeavesThePluginsRunning() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(authorized("/api/stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        var lines = stream.body().iterator();
        assertThat(lines.next()).isEqualTo("event: plugins");

        console.close();

        List<String> rest = new ArrayList<>();
        lines.forEachRemaining(rest::add); // returns once the server ended the stream
        assertThat(rest.get(0)).startsWith("data: [{\"id\":\"alpha\"");
        assertThat(info("alpha").state()).isEqualTo(PluginState.RUNNING);
        assertThatThrownBy(() -> get("/api/plugins")).isInstanceOf(java.io.IOException.class);
    }
}
