package dev.outpost.cli;

import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.HandshakeConfig;
import java.util.List;

/** The handshake of {@code run} and {@code check}: go-plugin's example values by default. */
final class HandshakeOptions {

    String cookie = "BASIC_PLUGIN=hello";
    List<Integer> versions = List.of(1);

    HandshakeConfig handshake() {
        int equals = cookie.indexOf('=');
        if (equals <= 0 || equals == cookie.length() - 1) {
            throw new IllegalArgumentException("--cookie must be KEY=VALUE, got \"" + cookie + "\"");
        }
        return HandshakeConfig.of(versions.stream().min(Integer::compare).orElse(1), cookie.substring(0, equals),
                cookie.substring(equals + 1));
    }

    /**
     * A plugin type for plugins whose interface this command does not know: it serves nothing and
     * dispenses the bare channel, so that the plugin can be launched, checked and supervised.
     */
    static final GrpcClientPlugin<Object> ANY = (channel, broker) -> channel;

    /** The name under which {@link #ANY} is registered. */
    static final String ANY_NAME = "outpost-any";
}
