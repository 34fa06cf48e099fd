package dev.outpost.manager;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A manager run in a JVM without OpenTelemetry on its class path: starts the sensor plugin of a fresh
 * directory (in a JVM without it either), crashes and restarts it, calls it, and prints its events.
 */
public final class UntracedManager {

    private UntracedManager() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        PluginDirs.script(dir, "sensor");
        Events events = new Events();
        try (PluginManager manager = PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class).noClassDataSharing()
                .restartPolicy(RestartPolicy.builder().initialDelay(java.time.Duration.ofMillis(50)).build())
                .listener(events).build()) {
            manager.start();
            Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
            ProcessHandle.of(sensor.pid()).orElseThrow().destroyForcibly();
            events.await("sensor", PluginState.RUNNING, 2);
            System.out.println("read " + sensor.read());
            System.out.println("moves " + events.moves("sensor"));
        }
    }
}
