package dev.outpost.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.metrics.PluginMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A web console of a {@link PluginManager}: a page with every plugin's state, process, memory, last error and
 * recent stderr lines, updated live, with buttons to restart, stop, start, enable, disable and reload; the
 * same as JSON under {@code /api/plugins}; and Micrometer's Prometheus scrape at {@code /metrics}.
 *
 * <pre>{@code
 * try (PluginConsole console = PluginConsole.builder(manager).start()) {
 *     System.out.println("console " + console.link());
 *     // ... run until the application stops
 * }
 * }</pre>
 *
 * <p>It listens on the loopback address unless told otherwise ({@link Builder#allowNonLoopback}). Every
 * request but those for the page's own files must carry the console's {@linkplain #token() token} as
 * {@code Authorization: Bearer TOKEN}, else it gets 401; the page reads the token from its address
 * ({@link #link()}: {@code http://127.0.0.1:PORT/#token=TOKEN}; the part after {@code #} never leaves the
 * browser). Closing the console stops its server; the manager goes on.
 */
public final class PluginConsole implements AutoCloseable {

    private final PluginManager manager;
    private final BearerToken token;
    private final HttpServer server;
    private final ExecutorService threads;
    private final EventStream stream;
    private final PluginMetrics ownMetrics;
    private final PrometheusMeterRegistry registry;
    private final URI uri;

    private PluginConsole(Builder builder) throws IOException {
        this.manager = builder.manager;
        this.token = BearerToken.random();
        this.stream = new EventStream(manager);
        if (builder.registry != null) {
            this.registry = builder.registry;
            this.ownMetrics = null;
        } else {
            this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            this.ownMetrics = new PluginMetrics(registry);
        }
        this.server = HttpServer.create(builder.address, 0);
        // A thread per request: an open page's stream holds one for as long as it is open, and an action
        // holds one until the plugin has restarted. Streams are capped (EventStream.MAX_STREAMS).
        this.threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "outpost-console");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(threads);
        server.createContext("/", new StaticFiles(token));
        server.createContext("/api/", new ApiHandler(manager, token, stream));
        server.createContext("/metrics", this::metrics);
        manager.addListener(stream);
        if (ownMetrics != null) {
            manager.addListener(ownMetrics);
        }
        server.start();
        InetSocketAddress bound = server.getAddress();
        InetAddress address = bound.getAddress();
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        this.uri = URI.create("http://" + host + ":" + bound.getPort() + "/");
    }

    /** A console of {@code manager}; {@link Builder#start()} starts it. */
    public static Builder builder(PluginManager manager) {
        return new Builder(manager);
    }

    /** The address it listens on, with the port it got when asked for port 0. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The page's address, without the token: {@code http://127.0.0.1:PORT/}. */
    public URI uri() {
        return uri;
    }

    /** The secret every request but the page's files must carry: 256 random bits, URL-safe base64. */
    public String token() {
        return token.value();
    }

    /** The page's address with the token for the page to read: {@code http://127.0.0.1:PORT/#token=TOKEN}. */
    public URI link() {
        return URI.create(uri + "#token=" + token.value());
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!Exchanges.authorized(exchange, token)) {
                return;
            }
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                Exchanges.error(exchange, 404, "no such resource: " + exchange.getRequestURI().getPath());
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                Exchanges.wrongMethod(exchange, "GET");
                return;
            }
            // Prometheus's text format, version 0.0.4: what every Prometheus server reads.
            Exchanges.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                    registry.scrape().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Ends the open pages' streams and stops the server; the manager is not touched. Idempotent. */
    @Override
    public void close() {
        manager.removeListener(stream);
        if (ownMetrics != null) {
            manager.removeListener(ownMetrics);
        }
        stream.close();
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownMetrics != null) {
            registry.close();
        }
    }

    /** Configures a {@link PluginConsole}. */
    public static final class Builder {
        private final PluginManager manager;
        private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private boolean allowNonLoopback;
        private PrometheusMeterRegistry registry;

        private Builder(PluginManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
        }

        /**
         * Where to listen; default the loopback address, on a free port. Another address than a loopback
         * one needs {@link #allowNonLoopback}.
         */
        public Builder address(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("console address " + address.getHostString() + " does not resolve");
            }
            this.address = address;
            return this;
        }

        /**
         * Lets the console listen on an address other machines can reach. The token still guards every
         * request, but it travels in clear text over plain HTTP: put a TLS proxy in front.
         */
        public Builder allowNonLoopback() {
            this.allowNonLoopback = true;
            return this;
        }

        /**
         * The registry {@code /metrics} scrapes; the host registers {@link PluginMetrics} in it (as the
         * manager's listener and call listener) and anything else it wants scraped. Default: a registry of
         * the console's own, with a {@link PluginMetrics} that counts from the console's start on.
         */
        public Builder metrics(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Starts the console's server.
         *
         * @throws IllegalArgumentException when the address is not a loopback one and {@link
         *                                  #allowNonLoopback} was not called
         * @throws UncheckedIOException     when the address cannot be listened on (say, the port is taken)
         */
        public PluginConsole start() {
            if (!address.getAddress().isLoopbackAddress() && !allowNonLoopback) {
                throw new IllegalArgumentException("console address " + address.getAddress().getHostAddress()
                        + " is not a loopback address: other machines could reach it; allow it explicitly"
                        + " (allowNonLoopback, --http-allow-remote) or listen on 127.0.0.1");
            }
            try {
                return new PluginConsole(this);
            } catch (IOException e) {
                throw new UncheckedIOException("console cannot listen on " + address.getAddress().getHostAddress()
                        + ":" + address.getPort() + ": " + e.getMessage(), e);
            }
        }
    }
}
