package dev.outpost.host;

import java.io.IOException;

/** {@link Runner#local()}: the plugin as a plain child process of this JVM. */
final class LocalRunner implements Runner {

    static final LocalRunner INSTANCE = new LocalRunner();

    private LocalRunner() {
    }

    @Override
    public Launched start(Launch launch) throws IOException {
        Process process = launch.processBuilder().start();
        return () -> process;
    }

    @Override
    public String toString() {
        return "local";
    }
}
