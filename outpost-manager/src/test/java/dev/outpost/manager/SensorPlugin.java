package dev.outpost.manager;

import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.HandshakeConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A test plugin: {@code SensorPlugin [--version V]} serves {@link Sensor} as "sensor". */
public final class SensorPlugin implements Sensor {

    static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "OUTPOST_TEST_SENSOR", "sensor");

    private final String version;
    private final List<ReadingListener> listeners = new CopyOnWriteArrayList<>();

    private SensorPlugin(String version) {
        this.version = version;
    }

    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        int at = arguments.indexOf("--version");
        String version = at >= 0 ? arguments.get(at + 1) : "1.0.0";
        PluginServer.serve(serving(version));
    }

    /** The sensor of {@code version}, to serve in a process of its own or in this one. */
    static ServeConfig serving(String version) {
        return servingBuilder(version).build();
    }

    /** The same, to add to: e.g. to serve it remotely. */
    static ServeConfig.Builder servingBuilder(String version) {
        return ServeConfig.builder().handshake(HANDSHAKE).plugin("sensor", Sensor.class, new SensorPlugin(version));
    }

    @Override
    public Info info() {
        return new Info("sensor", "Test sensor", version);
    }

    @Override
    public String read() {
        return "reading from " + version;
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public String sample(int characters) {
        return "x".repeat(characters);
    }

    @Override
    public void crash(int status) {
        Runtime.getRuntime().halt(status);
    }

    @Override
    public void subscribe(ReadingListener listener) {
        listeners.add(listener);
    }

    @Override
    public int publish(String reading) {
        listeners.forEach(listener -> listener.onReading(pid(), reading));
        return listeners.size();
    }

    @Override
    public void hang() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public java.util.concurrent.CompletableFuture<String> hangLater() {
        return new java.util.concurrent.CompletableFuture<>();
    }
}
