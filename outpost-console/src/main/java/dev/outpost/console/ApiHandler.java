package dev.outpost.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.outpost.PluginStartException;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/...}, every request with the token:
 * <ul>
 *   <li>{@code GET /api/plugins}: every plugin; {@code GET /api/plugins/<id>}: one;</li>
 *   <li>{@code GET /api/plugins/<id>/events}: its recent state changes, oldest first;</li>
 *   <li>{@code POST /api/plugins/<id>/<action>}: restart, stop, start, enable, disable or reload; answers
 *       once it is done, with the plugin;</li>
 *   <li>{@code GET /api/stream}: the live {@link EventStream}.</li>
 * </ul>
 */
final class ApiHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    /** The manager's operations a page may ask for, by the name in the path. */
    private static final Map<String, BiConsumer<PluginManager, String>> ACTIONS = Map.of(
            "restart", PluginManager::restart,
            "stop", PluginManager::stop,
            "start", PluginManager::start,
            "enable", PluginManager::enable,
            "disable", PluginManager::disable,
            "reload", PluginManager::reload);

    private final PluginManager manager;
    private final BearerToken token;
    private final EventStream stream;

    ApiHandler(PluginManager manager, BearerToken token, EventStream stream) {
        this.manager = manager;
        this.token = token;
        this.stream = stream;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!Exchanges.authorized(exchange, token)) {
                return;
            }
            route(exchange);
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("console: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            Exchanges.error(exchange, 500, "internal error: " + e);
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (path.equals("/api/stream")) {
            if (!method.equals("GET")) {
                Exchanges.wrongMethod(exchange, "GET");
                return;
            }
            stream.serve(exchange);
            return;
        }
        if (path.equals("/api/plugins") || path.equals("/api/plugins/")) {
            if (!method.equals("GET")) {
                Exchanges.wrongMethod(exchange, "GET");
                return;
            }
            Exchanges.json(exchange, 200, PluginJson.plugins(manager.plugins()));
            return;
        }
        if (!path.startsWith("/api/plugins/")) {
            Exchanges.error(exchange, 404, "no such resource: " + path
                    + " (expected /api/plugins, /api/plugins/<id>, /api/plugins/<id>/events,"
                    + " /api/plugins/<id>/<action> or /api/stream)");
            return;
        }
        // Plugin ids never hold '/' (they are file names or manifest ids), so the decoded path splits well.
        List<String> parts = List.of(path.substring("/api/plugins/".length()).split("/", -1));
        if (parts.size() > 2) {
            Exchanges.error(exchange, 404, "no such resource: " + path);
            return;
        }
        String id = parts.get(0);
        Optional<PluginInfo> plugin = manager.plugin(id);
        if (plugin.isEmpty()) {
            notFound(exchange, id);
            return;
        }
        if (parts.size() == 1) {
            if (!method.equals("GET")) {
                Exchanges.wrongMethod(exchange, "GET");
                return;
            }
            Exchanges.json(exchange, 200, PluginJson.plugin(plugin.get(), Instant.now()));
        } else if (parts.get(1).equals("events")) {
            if (!method.equals("GET")) {
                Exchanges.wrongMethod(exchange, "GET");
                return;
            }
            try {
                Exchanges.json(exchange, 200, PluginJson.events(manager.events(id)));
            } catch (IllegalArgumentException unloadedMeanwhile) {
                notFound(exchange, id);
            }
        } else {
            act(exchange, id, parts.get(1));
        }
    }

    private void act(HttpExchange exchange, String id, String action) throws IOException {
        BiConsumer<PluginManager, String> operation = ACTIONS.get(action);
        if (operation == null) {
            Exchanges.error(exchange, 400, "unknown action '" + action + "' for plugin '" + id
                    + "'; expected one of " + new TreeSet<>(ACTIONS.keySet()));
            return;
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            Exchanges.wrongMethod(exchange, "POST");
            return;
        }
        try {
            operation.accept(manager, id);
        } catch (IllegalArgumentException e) {
            // Unloaded between the look-up and the action (a watched directory lost its entry).
            notFound(exchange, id);
            return;
        } catch (PluginStartException e) {
            // The plugin, not the request, failed: the old version of a reloaded plugin keeps running.
            Exchanges.error(exchange, 502, e.getMessage());
            return;
        } catch (IllegalStateException e) {
            // Not in a state for it (reload of a stopped plugin, an entry that cannot run, a closing manager).
            Exchanges.error(exchange, 409, e.getMessage());
            return;
        }
        Optional<PluginInfo> after = manager.plugin(id);
        if (after.isEmpty()) {
            notFound(exchange, id);
            return;
        }
        Exchanges.json(exchange, 200, PluginJson.plugin(after.get(), Instant.now()));
    }

    private void notFound(HttpExchange exchange, String id) throws IOException {
        Exchanges.error(exchange, 404, "no plugin '" + id + "' (known: "
                + manager.plugins().stream().map(PluginInfo::id).toList() + ")");
    }
}
