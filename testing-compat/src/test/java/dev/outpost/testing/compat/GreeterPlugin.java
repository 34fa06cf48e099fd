package dev.outpost.testing.compat;

import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.HandshakeConfig;

/** The plugin process of the launched test. */
public final class GreeterPlugin implements Greeter {

    static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "OUTPOST_COMPAT_PLUGIN", "greeter");

    public static void main(String[] args) {
        PluginServer.serve(ServeConfig.builder().handshake(HANDSHAKE)
                .plugin("greeter", Greeter.class, new GreeterPlugin()).build());
    }

    @Override
    public String greet(String name) {
        return "hello " + name + " from pid " + ProcessHandle.current().pid();
    }
}
