package dev.outpost;

import java.util.Locale;

/** The transport named in the handshake line's third field. */
public enum Network {
    /** A Unix domain socket; the address is a file path. */
    UNIX("unix"),
    /** TCP on loopback; the address is {@code host:port}. */
    TCP("tcp");

    private final String wireName;

    Network(String wireName) {
        this.wireName = wireName;
    }

    /** The name as written on the wire ({@code unix} or {@code tcp}). */
    public String wireName() {
        return wireName;
    }

    /** Parses a wire name, or throws {@link IllegalArgumentException} naming the accepted values. */
    public static Network fromWireName(String name) {
        for (Network network : values()) {
            if (network.wireName.equals(name)) {
                return network;
            }
        }
        throw new IllegalArgumentException("unknown network \"" + name + "\" (expected unix or tcp)");
    }

    @Override
    public String toString() {
        return wireName.toUpperCase(Locale.ROOT);
    }
}
