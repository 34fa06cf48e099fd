package dev.outpost.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/stream}: server-sent events of every change, as they happen. */
@ExtendWith(LeakCheck.class)
class ConsoleStreamTest extends ConsoleTestSupport {

    private record Message(String kind, JsonNode data) {
    }

    private static final Message END = new Message("<end of stream>", null);

    @Test
    void aCrashAndItsRestartArriveAsTheyHappen() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        HttpResponse<Stream<String>> response = http.send(authorized("/api/stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> read(response.body(), messages), "stream-reader");
        reader.start();

        Message first = messages.poll(30, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.kind()).isEqualTo("plugins");
        JsonNode alpha = first.data().get(0);
        assertThat(alpha.get("state").asString()).isEqualTo("RUNNING");
        assertThat(alpha.get("events").valueStream().map(event -> event.get("to").asString()))
                .containsExactly("STARTING", "RUNNING");
        long pid = alpha.get("pid").asLong();

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        List<String> changes = new ArrayList<>();
        JsonNode running = null;
        while (running == null) {
            Message next = messages.poll(60, TimeUnit.SECONDS);
            assertThat(next).as("a change to RUNNING after the kill; so far %s", changes).isNotNull().isNotEqualTo(END);
            if (!next.kind().equals("change")) {
                continue; // a refresh, when the restart takes longer than its period
            }
            JsonNode event = next.data().get("event");
            changes.add(event.get("from").asString() + " -> " + event.get("to").asString());
            if (event.get("to").asString().equals("RUNNING")) {
                running = next.data().get("plugin");
            }
        }
        assertThat(changes).containsExactly("RUNNING -> CRASHED", "CRASHED -> RESTARTING", "RESTARTING -> STARTING",
                "STARTING -> RUNNING");
        assertThat(running.get("pid").asLong()).isNotEqualTo(pid).isEqualTo(info("alpha").pid().getAsLong());
        assertThat(running.get("restarts").asInt()).isEqualTo(1);
        assertThat(running.get("lastError").asString()).isEqualTo("process was killed by signal 9 (SIGKILL)");

        console.close();
        reader.join(10_000);
        assertThat(reader.isAlive()).isFalse();
    }

    @Test
    void streamsAreCappedAndSaySo() throws Exception {
        plugin("alpha");
        startManagerAndConsole();
        List<java.util.Iterator<String>> open = new ArrayList<>();
        for (int i = 0; i < EventStream.MAX_STREAMS; i++) {
            HttpResponse<Stream<String>> response = http.send(authorized("/api/stream").GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            java.util.Iterator<String> lines = response.body().iterator();
            assertThat(lines.next()).isEqualTo("event: plugins"); // being served, so counted
            open.add(lines);
        }

        HttpResponse<String> refused = get("/api/stream");

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(json(refused).get("error").asString()).isEqualTo("too many open streams (at most 16), or the"
                + " console is closing; close another page of the console");
        assertThat(get("/api/plugins").statusCode()).as("other requests still served").isEqualTo(200);
        console.close();
        open.forEach(lines -> lines.forEachRemaining(line -> { })); // each ends with the console
    }

    /** Parses "event:" and "data:" lines into messages, until the stream ends. */
    private static void read(Stream<String> lines, BlockingQueue<Message> messages) {
        String[] kind = {null};
        try {
            lines.forEach(line -> {
                if (line.startsWith("event: ")) {
                    kind[0] = line.substring("event: ".length());
                } else if (line.startsWith("data: ")) {
                    messages.add(new Message(kind[0], JSON.readTree(line.substring("data: ".length()))));
                }
            });
        } catch (RuntimeException e) {
            // the stream broke off: END says so
        }
        messages.add(END);
    }
}
