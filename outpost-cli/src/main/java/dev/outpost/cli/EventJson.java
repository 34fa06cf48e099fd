package dev.outpost.cli;

import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginInfo;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A state change as {@code outpost run --json} prints it: one JSON object on one line (JSON escapes
 * the line breaks a plugin's stderr may hold). Every field is always there, {@code null} when it has no
 * value, so that a reader need not guess whether a field was forgotten.
 */
final class EventJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private EventJson() {
    }

    static String of(PluginEvent event) {
        PluginInfo plugin = event.plugin();
        ObjectNode line = JSON.createObjectNode();
        line.put("id", event.id());
        line.put("from", event.from().name());
        line.put("to", event.to().name());
        line.put("reason", event.reason());
        line.put("at", event.at().toString());
        if (plugin.pid().isPresent()) {
            line.put("pid", plugin.pid().getAsLong());
        } else {
            line.putNull("pid");
        }
        line.put("restarts", plugin.restarts());
        if (plugin.lastExitCode().isPresent()) {
            line.put("lastExitCode", plugin.lastExitCode().getAsInt());
        } else {
            line.putNull("lastExitCode");
        }
        ArrayNode tail = line.putArray("stderrTail");
        plugin.stderrTail().forEach(tail::add);
        return JSON.writeValueAsString(line);
    }
}
