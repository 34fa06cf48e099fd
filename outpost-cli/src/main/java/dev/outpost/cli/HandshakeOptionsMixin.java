package dev.outpost.cli;

import dev.outpost.HandshakeConfig;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --cookie} and {@code --versions}, for picocli commands. */
public final class HandshakeOptionsMixin {

    private final HandshakeOptions options = new HandshakeOptions();

    @Option(names = "--cookie", paramLabel = "KEY=VALUE", defaultValue = "BASIC_PLUGIN=hello",
            description = "The magic cookie (default: ${DEFAULT-VALUE}).")
    void cookie(String cookie) {
        options.cookie = cookie;
    }

    @Option(names = "--versions", paramLabel = "N[,N...]", split = ",", defaultValue = "1",
            description = "Application protocol versions offered (default: ${DEFAULT-VALUE}).")
    void versions(List<Integer> versions) {
        options.versions = versions;
    }

    String cookie() {
        return options.cookie;
    }

    List<Integer> versions() {
        return options.versions;
    }

    HandshakeConfig handshake() {
        return options.handshake();
    }
}
