package dev.outpost.manager;

import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects a manager's events for assertions. */
final class Events implements PluginListener {

    private final List<PluginEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(PluginEvent event) {
        events.add(event);
    }

    List<PluginEvent> all() {
        return List.copyOf(events);
    }

    /** "FROM -> TO" of one plugin, in order. */
    List<String> moves(String id) {
        return events.stream().filter(e -> e.id().equals(id)).map(e -> e.from() + " -> " + e.to()).toList();
    }

    PluginEvent await(String id, PluginState to, int occurrence) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> find(id, to, occurrence) != null);
        return find(id, to, occurrence);
    }

    private PluginEvent find(String id, PluginState to, int occurrence) {
        int seen = 0;
        for (PluginEvent event : events) {
            if (event.id().equals(id) && event.to() == to && ++seen == occurrence) {
                return event;
            }
        }
        return null;
    }
}
