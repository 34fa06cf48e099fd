package dev.outpost.interop;

import dev.outpost.HandshakeConfig;

/** The handshake of go-plugin's examples, shared by every interop peer. */
final class Interop {
    static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");

    private Interop() {
    }
}
