package dev.outpost.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The page, its script and its style: the only answers given without the token (they hold no data; the
 * script asks the API for everything, with the token from the page's address). Any other path needs the
 * token, then is not found.
 */
final class StaticFiles implements HttpHandler {

    /**
     * The page runs only its own script and talks only to its own origin, and no other site may frame it
     * (its buttons restart plugins): what a plugin writes on stderr is shown as text, never run.
     */
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record File(String type, byte[] content) {
    }

    private final Map<String, File> files;
    private final BearerToken token;

    StaticFiles(BearerToken token) {
        this.token = token;
        File page = new File("text/html; charset=utf-8", resource("index.html"));
        this.files = Map.of("/", page, "/index.html", page,
                "/console.js", new File("text/javascript; charset=utf-8", resource("console.js")),
                "/console.css", new File("text/css; charset=utf-8", resource("console.css")));
    }

    private static byte[] resource(String name) {
        try (InputStream in = StaticFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + name + " is missing from its jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console's " + name, e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            File file = files.get(path);
            if (file == null) {
                if (Exchanges.authorized(exchange, token)) {
                    Exchanges.error(exchange, 404, "no such resource: " + path
                            + " (the API is under /api/plugins, the metrics at /metrics)");
                }
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                Exchanges.wrongMethod(exchange, "GET");
                return;
            }
            exchange.getResponseHeaders().set("Content-Security-Policy", POLICY);
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            Exchanges.send(exchange, 200, file.type(), file.content());
        }
    }
}
