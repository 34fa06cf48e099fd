package dev.outpost.testing;

import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.grpc.GrpcServerPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.inprocess.InProcess;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.rpc.InterfacePlugin;
import dev.outpost.HandshakeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Tests a plugin in one annotation: starts it, injects what it dispenses, and always stops it.
 *
 * <pre>{@code
 * class AmazingPluginTest {
 *     // served in this JVM: fast, with the same codec, callbacks and errors as a process
 *     @RegisterExtension
 *     static final PluginExtension amazing = PluginExtension.inProcess(IgluPlugins.HANDSHAKE)
 *             .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class, new AmazingPlugin("v0.1.0"))
 *             .build();
 *
 *     @Test
 *     void manifest(Iglu iglu) {                 // injected by type
 *         assertThat(iglu.getManifest().id()).isEqualTo("amazing");
 *     }
 * }
 *
 * // or launched as a real process, from a main class on the test classpath
 * @RegisterExtension
 * static final PluginExtension launched = PluginExtension.launch(ClientConfig.builder()
 *         .handshake(IgluPlugins.HANDSHAKE)
 *         .command(PluginExtension.javaMain(AmazingPlugin.class))
 *         .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class)
 *         .build());
 * }</pre>
 *
 * <p><b>Scope.</b> Registered on a {@code static} field, the plugin starts before the first test of the
 * class (and of its {@code @Nested} classes) and stops after the last; on an instance field, every
 * test gets a plugin of its own, started before its {@code @BeforeEach} methods and stopped after its
 * {@code @AfterEach} methods. Stopping happens whether the test passed or not, and leaves no process and
 * no socket behind (see {@link PluginClient#close()}). A plugin that crashed during a test stays
 * crashed for the rest of a class-scoped run.
 *
 * <p><b>Injection.</b> Test, lifecycle and (class scope) constructor parameters of type {@link
 * PluginClient} receive the client; a parameter of another type receives what the plugin dispenses,
 * when exactly one of its plugin names dispenses an instance of that type (for more, use {@link
 * #dispense(String, Class)}). Two extensions in one class compete for the same parameters: use their
 * fields ({@link #client()}, {@link #dispense}) there.
 *
 * <p><b>In-process or launched.</b> {@link #inProcess} serves the implementation on a real gRPC server in
 * this JVM ({@link InProcess#start}): the same codec, broker (callbacks), deadlines and
 * exception mapping as a process, in milliseconds instead of a JVM start, and without {@code
 * PluginServer.serve}'s process duties (cookie check on the environment, stdout, signals, exit).
 * {@link #launch} starts the real command, as a host would.
 *
 * <p>Immutable configuration; the running client is the only state, and it is thread-safe.
 */
public final class PluginExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback, ParameterResolver {

    private final ClientConfig config;
    private final Supplier<ServeConfig> inProcessPlugin;
    private PluginClient client;
    private String owner;

    private PluginExtension(ClientConfig config, Supplier<ServeConfig> inProcessPlugin) {
        this.config = config;
        this.inProcessPlugin = inProcessPlugin;
    }

    /**
     * An extension that serves plugins in this JVM, speaking {@code handshake}; add them with the
     * builder's {@code plugin} methods.
     */
    public static Builder inProcess(HandshakeConfig handshake) {
        return new Builder(handshake);
    }

    /**
     * An extension that launches {@code config}'s command, e.g. {@link #javaMain}, and connects to it as
     * {@link PluginClient#start} does.
     */
    public static PluginExtension launch(ClientConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.command().isEmpty()) {
            throw new IllegalArgumentException("plugin '" + config.name() + "': no command to launch; "
                    + "use PluginExtension.javaMain(MainClass.class) for a main class of the test classpath");
        }
        return new PluginExtension(config, null);
    }

    /**
     * The command that runs {@code mainClass} in a new JVM, with the test's classpath (surefire's real one,
     * {@code surefire.test.class.path}, else {@code java.class.path}), the test's {@code java.io.tmpdir},
     * and the options for a fast start. For {@link ClientConfig.Builder#command(List)}.
     */
    public static List<String> javaMain(Class<?> mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", classpath(), mainClass.getName()));
        command.addAll(List.of(args));
        return List.copyOf(command);
    }

    private static String classpath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isEmpty() ? surefire : System.getProperty("java.class.path");
    }

    /** Whether the plugin is served in this JVM rather than launched. */
    public boolean isInProcess() {
        return inProcessPlugin != null;
    }

    /** The host-side configuration the plugin is started with. */
    public ClientConfig config() {
        return config;
    }

    /**
     * The running plugin's client.
     *
     * @throws IllegalStateException outside the extension's scope (before it started or after it stopped)
     */
    public synchronized PluginClient client() {
        if (client == null) {
            throw new IllegalStateException("plugin '" + config.name() + "' is not running: the extension starts it "
                    + "before each test (instance field) or before all tests (static field) and stops it after");
        }
        return client;
    }

    /**
     * What the running plugin dispenses as {@code name}.
     *
     * @throws IllegalStateException when the plugin is not running
     */
    public <T> T dispense(String name, Class<T> type) {
        return client().dispense(name, type);
    }

    /**
     * What the running plugin dispenses as {@code type}, when exactly one of its plugin names gives one.
     *
     * @throws IllegalStateException    when the plugin is not running
     * @throws IllegalArgumentException when no name, or more than one, dispenses a {@code type}
     */
    public <T> T dispense(Class<T> type) {
        PluginClient running = client();
        List<String> names = namesFor(running, type);
        if (names.size() != 1) {
            throw new IllegalArgumentException("plugin '" + config.name() + "': " + (names.isEmpty()
                    ? "no plugin name dispenses a " + type.getName() + " (names: " + pluginNames(running) + ")"
                    : "several plugin names dispense a " + type.getName() + " " + names
                            + "; use dispense(name, type)"));
        }
        return running.dispense(names.get(0), type);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stop(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop(context);
    }

    /** Starts the plugin unless an enclosing scope (a class, the outer class of a nested one) already did. */
    private synchronized void start(ExtensionContext context) {
        if (client != null) {
            return;
        }
        client = inProcessPlugin != null ? InProcess.start(config, inProcessPlugin.get())
                : PluginClient.start(config);
        owner = context.getUniqueId();
    }

    /** Stops the plugin at the end of the scope that started it. */
    private void stop(ExtensionContext context) {
        PluginClient stopping;
        synchronized (this) {
            if (client == null || !context.getUniqueId().equals(owner)) {
                return;
            }
            stopping = client;
            client = null;
            owner = null;
        }
        stopping.close();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == PluginClient.class) {
            return true;
        }
        if (type == Object.class || type.isPrimitive() || type.getName().startsWith("java.")) {
            return false;
        }
        PluginClient running;
        synchronized (this) {
            running = client;
        }
        return running != null && !namesFor(running, type).isEmpty();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        try {
            return type == PluginClient.class ? client() : dispense(type);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ParameterResolutionException(e.getMessage(), e);
        }
    }

    /** The plugin names of the negotiated version whose client is a {@code type}; dispensing makes no call. */
    private List<String> namesFor(PluginClient running, Class<?> type) {
        List<String> names = new ArrayList<>();
        for (String name : pluginNames(running)) {
            try {
                if (type.isInstance(running.dispense(name, Object.class))) {
                    names.add(name);
                }
            } catch (RuntimeException e) {
                // a plugin type that cannot build a host-side client
            }
        }
        return names;
    }

    private List<String> pluginNames(PluginClient running) {
        return List.copyOf(config.versionedPlugins().get(running.negotiatedVersion()).keySet());
    }

    @Override
    public String toString() {
        return "PluginExtension[" + config.name() + (isInProcess() ? ", in-process]" : ", " + config.command() + "]");
    }

    /**
     * Builds an in-process {@link PluginExtension}: the plugins to serve and the host's side of them.
     * Each plugin is served and dispensed under the same name, in the handshake's protocol version.
     */
    public static final class Builder {
        private final HandshakeConfig handshake;
        private final Map<String, Supplier<GrpcServerPlugin>> served = new LinkedHashMap<>();
        private final ClientConfig.Builder client;
        private String name;

        private Builder(HandshakeConfig handshake) {
            this.handshake = Objects.requireNonNull(handshake, "handshake");
            this.client = ClientConfig.builder().handshake(handshake);
        }

        /**
         * Serves {@code implementation} of the plain Java interface {@code type} as {@code name}; the host
         * dispenses a proxy of {@code type}. The same instance serves every start of the plugin (every
         * test, with an instance field): use {@link #pluginFactory} for a fresh one each time.
         */
        public <T> Builder plugin(String name, Class<T> type, T implementation) {
            Objects.requireNonNull(implementation, "implementation");
            return pluginFactory(name, type, () -> implementation);
        }

        /** Serves a new implementation from {@code factory} at each start, as a new process would. */
        public <T> Builder pluginFactory(String name, Class<T> type, Supplier<? extends T> factory) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(factory, "factory");
            return add(name, () -> InterfacePlugin.server(type, type.cast(factory.get())), InterfacePlugin.client(type));
        }

        /**
         * Serves a plugin type defined by gRPC services, e.g. {@code GrpcPlugin.server(new KvService())},
         * dispensed through {@code client}, e.g. {@code GrpcPlugin.client(KVGrpc::newBlockingStub)}.
         */
        public Builder grpcPlugin(String name, GrpcServerPlugin server, GrpcClientPlugin<?> client) {
            Objects.requireNonNull(server, "server");
            return add(name, () -> server, client);
        }

        private Builder add(String name, Supplier<GrpcServerPlugin> server, GrpcClientPlugin<?> hostSide) {
            Objects.requireNonNull(name, "name");
            if (served.putIfAbsent(name, server) != null) {
                throw new IllegalArgumentException("plugin \"" + name + "\" is already registered");
            }
            client.plugin(name, hostSide);
            if (this.name == null) {
                this.name = name;
            }
            return this;
        }

        /**
         * Adjusts the host side, e.g. {@code c -> c.callTimeout(Duration.ofSeconds(2)).autoMtls(true)};
         * the handshake and plugin types are the builder's. The name defaults to the first plugin's.
         */
        public Builder client(Consumer<ClientConfig.Builder> customizer) {
            customizer.accept(client);
            return this;
        }

        public PluginExtension build() {
            if (served.isEmpty()) {
                throw new IllegalStateException("add at least one plugin");
            }
            Map<String, Supplier<GrpcServerPlugin>> plugins = Map.copyOf(new LinkedHashMap<>(served));
            List<String> order = List.copyOf(served.keySet());
            ClientConfig config = client.build();
            if (config.name().equals("plugin")) {
                config = client.name(name).build();
            }
            return new PluginExtension(config, () -> {
                ServeConfig.Builder serve = ServeConfig.builder().handshake(handshake);
                order.forEach(pluginName -> serve.plugin(pluginName, plugins.get(pluginName).get()));
                return serve.build();
            });
        }
    }
}
