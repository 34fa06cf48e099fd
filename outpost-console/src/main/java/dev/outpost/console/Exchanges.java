package dev.outpost.console;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writing answers: the same headers on every one, JSON errors that say what was wrong. */
final class Exchanges {

    static final String JSON_TYPE = "application/json; charset=utf-8";

    private Exchanges() {
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", contentType);
        // Plugin states and tokens must not linger in caches; a browser must not guess another type.
        headers.set("Cache-Control", "no-store");
        headers.set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static void json(HttpExchange exchange, int status, Object node) throws IOException {
        send(exchange, status, JSON_TYPE, PluginJson.write(node).getBytes(StandardCharsets.UTF_8));
    }

    static void error(HttpExchange exchange, int status, String message) throws IOException {
        json(exchange, status, PluginJson.error(message));
    }

    /** 405, with the method that would have worked. */
    static void wrongMethod(HttpExchange exchange, String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        error(exchange, 405, exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                + " is not allowed; use " + allowed);
    }

    /**
     * Lets the request through when it carries the token; otherwise answers 401 and returns false. The
     * answer says how to send the token, never what it is.
     */
    static boolean authorized(HttpExchange exchange, BearerToken token) throws IOException {
        if (token.matches(exchange.getRequestHeaders().getFirst("Authorization"))) {
            return true;
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"outpost console\"");
        error(exchange, 401, "missing or wrong token: send the header 'Authorization: Bearer TOKEN' with the"
                + " token printed when the console started (console http://HOST:PORT/#token=TOKEN)");
        return false;
    }
}
