package dev.outpost.console;

import com.sun.net.httpserver.HttpExchange;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginListener;
import dev.outpost.manager.PluginManager;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/stream}: server-sent events, one stream per open page. Three kinds:
 * <ul>
 *   <li>{@code plugins}, first: every plugin, each with its recent {@code events};</li>
 *   <li>{@code change}, at each state change: {@code {"event": {...}, "plugin": {...}}};</li>
 *   <li>{@code refresh}, after {@link #REFRESH} without a change: every plugin again, for their memory
 *       and uptime; it also shows that the stream is alive, and finds a closed page's stream.</li>
 * </ul>
 * The manager's event thread only queues each change: a slow page never holds it up. A page too slow for
 * {@link #QUEUED} changes loses its stream and, reconnecting, starts again from a fresh {@code plugins}.
 */
final class EventStream implements PluginListener {

    static final Duration REFRESH = Duration.ofSeconds(5);
    private static final int QUEUED = 1000;
    /** Each stream holds a thread of the server as long as it is open. */
    static final int MAX_STREAMS = 16;

    private static final class Subscriber {
        final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUED);
        volatile boolean ended;

        void end() {
            ended = true;
            queue.offer(""); // wakes the stream's thread; ended is read before anything is written
        }
    }

    private final PluginManager manager;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private boolean closed;

    EventStream(PluginManager manager) {
        this.manager = manager;
    }

    @Override
    public void onEvent(PluginEvent event) {
        if (subscribers.isEmpty()) {
            return;
        }
        ObjectNode change = PluginJson.JSON.createObjectNode();
        change.set("event", PluginJson.event(event));
        change.set("plugin", PluginJson.plugin(event.plugin(), Instant.now()));
        String message = message("change", change);
        for (Subscriber subscriber : subscribers) {
            if (!subscriber.queue.offer(message)) {
                subscriber.end();
            }
        }
    }

    void serve(HttpExchange exchange) throws IOException {
        Subscriber subscriber = new Subscriber();
        if (!subscribe(subscriber)) {
            Exchanges.error(exchange, 503, "too many open streams (at most " + MAX_STREAMS
                    + "), or the console is closing; close another page of the console");
            return;
        }
        try {
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", "text/event-stream; charset=utf-8");
            headers.set("Cache-Control", "no-store");
            headers.set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            // Subscribed before this first snapshot is taken: a change made meanwhile comes after it too,
            // so the page ends on the latest state.
            write(out, message("plugins", pluginsWithEvents()));
            while (true) {
                String next = subscriber.queue.poll(REFRESH.toMillis(), TimeUnit.MILLISECONDS);
                if (subscriber.ended) {
                    break;
                }
                write(out, next != null ? next : message("refresh", PluginJson.plugins(manager.plugins())));
            }
        } catch (IOException e) {
            // The page went away: nothing to tell it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close(); // ends the chunked answer: the page sees the end of the stream, not a broken one
            unsubscribe(subscriber);
        }
    }

    private synchronized void unsubscribe(Subscriber subscriber) {
        subscribers.remove(subscriber);
        notifyAll();
    }

    private synchronized boolean subscribe(Subscriber subscriber) {
        if (closed || subscribers.size() >= MAX_STREAMS) {
            return false;
        }
        subscribers.add(subscriber);
        return true;
    }

    /**
     * Ends every stream and waits (bounded) until each has ended its answer, so that the server, stopped
     * next, does not break them off; no new one opens.
     */
    synchronized void close() {
        closed = true;
        subscribers.forEach(Subscriber::end);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!subscribers.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private ArrayNode pluginsWithEvents() {
        Instant now = Instant.now();
        ArrayNode array = PluginJson.JSON.createArrayNode();
        for (PluginInfo info : manager.plugins()) {
            ObjectNode plugin = PluginJson.plugin(info, now);
            try {
                plugin.set("events", PluginJson.events(manager.events(info.id())));
            } catch (IllegalArgumentException unloadedMeanwhile) {
                continue;
            }
            array.add(plugin);
        }
        return array;
    }

    private static String message(String kind, Object data) {
        // The JSON is on one line (its strings escape line breaks), so one data line holds it.
        return "event: " + kind + "\ndata: " + PluginJson.write(data) + "\n\n";
    }

    private static void write(OutputStream out, String message) throws IOException {
        out.write(message.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
