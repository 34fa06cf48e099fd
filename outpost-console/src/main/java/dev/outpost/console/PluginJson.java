package dev.outpost.console;

import dev.outpost.manager.Manifest;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The console's JSON of plugins and their events. Every field is always there, {@code null} when it has no
 * value, so that the page and scripts need not tell a missing field from an empty one.
 */
final class PluginJson {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private PluginJson() {
    }

    /**
     * {@code id, name, version, description, source, state, pid, startedAt, uptimeMillis, restarts,
     * memoryRssBytes, lastError, lastExitCode, stderrTail}; memory is read now, from the live process.
     */
    static ObjectNode plugin(PluginInfo info, Instant now) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", info.id());
        Manifest manifest = info.manifest().orElse(null);
        node.put("name", manifest == null ? null : manifest.name());
        node.put("version", manifest == null ? null : manifest.version());
        node.put("description", manifest == null ? null : manifest.description());
        node.put("source", info.source().toString());
        node.put("state", info.state().name());
        OptionalLong memory = OptionalLong.empty();
        if (info.pid().isPresent()) {
            node.put("pid", info.pid().getAsLong());
            memory = ProcessMemory.residentBytes(info.pid().getAsLong());
        } else {
            node.putNull("pid");
        }
        if (info.startedAt().isPresent()) {
            node.put("startedAt", info.startedAt().get().toString());
            node.put("uptimeMillis", Math.max(0, Duration.between(info.startedAt().get(), now).toMillis()));
        } else {
            node.putNull("startedAt");
            node.putNull("uptimeMillis");
        }
        node.put("restarts", info.restarts());
        if (memory.isPresent()) {
            node.put("memoryRssBytes", memory.getAsLong());
        } else {
            node.putNull("memoryRssBytes");
        }
        node.put("lastError", info.lastError().orElse(null));
        if (info.lastExitCode().isPresent()) {
            node.put("lastExitCode", info.lastExitCode().getAsInt());
        } else {
            node.putNull("lastExitCode");
        }
        ArrayNode tail = node.putArray("stderrTail");
        info.stderrTail().forEach(tail::add);
        return node;
    }

    static ArrayNode plugins(List<PluginInfo> infos) {
        Instant now = Instant.now();
        ArrayNode array = JSON.createArrayNode();
        infos.forEach(info -> array.add(plugin(info, now)));
        return array;
    }

    /** {@code id, from, to, reason, at}: the change alone, without the plugin's snapshot. */
    static ObjectNode event(PluginEvent event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", event.id());
        node.put("from", event.from().name());
        node.put("to", event.to().name());
        node.put("reason", event.reason());
        node.put("at", event.at().toString());
        return node;
    }

    static ArrayNode events(List<PluginEvent> events) {
        ArrayNode array = JSON.createArrayNode();
        events.forEach(event -> array.add(event(event)));
        return array;
    }

    /** {@code {"error": message}}. */
    static ObjectNode error(String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("error", message);
        return node;
    }

    static String write(Object node) {
        return JSON.writeValueAsString(node);
    }
}
