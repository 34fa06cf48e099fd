package dev.outpost.manager;

import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.wire.HandshakeConfig;
import java.util.List;

/** A test plugin: {@code SensorPlugin [--version V]} serves {@link Sensor} as "sensor". */
public final class SensorPlugin implements Sensor {

    static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "OUTPOST_TEST_SENSOR", "sensor");

    private final String version;

    private SensorPlugin(String version) {
        this.version = version;
    }

    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        int at = arguments.indexOf("--version");
        String version = at >= 0 ? arguments.get(at + 1) : "1.0.0";
        PluginServer.serve(ServeConfig.builder().handshake(HANDSHAKE)
                .plugin("sensor", Sensor.class, new SensorPlugin(version)).build());
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
}
