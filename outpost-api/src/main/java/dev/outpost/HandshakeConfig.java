package dev.outpost;

import java.util.Objects;

/**
 * What host and plugin agree on before they ever talk: the application protocol version and the
 * magic cookie the host puts in the plugin's environment.
 *
 * <p>The cookie is a usability guard, not a security measure: it lets a plugin started by hand say
 * that it is a plugin, instead of hanging. Both sides must use the same values.
 *
 * @param protocolVersion  the application protocol version (go-plugin's {@code ProtocolVersion}), at least 1
 * @param magicCookieKey   the environment variable name, not empty
 * @param magicCookieValue its value, not empty
 */
public record HandshakeConfig(int protocolVersion, String magicCookieKey, String magicCookieValue) {

    public HandshakeConfig {
        if (protocolVersion < 1) {
            throw new IllegalArgumentException("protocol version must be at least 1, got " + protocolVersion);
        }
        Objects.requireNonNull(magicCookieKey, "magicCookieKey");
        Objects.requireNonNull(magicCookieValue, "magicCookieValue");
        if (magicCookieKey.isEmpty() || magicCookieValue.isEmpty()) {
            throw new IllegalArgumentException("magic cookie key and value must not be empty");
        }
        if (magicCookieKey.contains("=")) {
            throw new IllegalArgumentException("magic cookie key must not contain '=': " + magicCookieKey);
        }
    }

    /** Shorthand for {@code new HandshakeConfig(protocolVersion, key, value)}. */
    public static HandshakeConfig of(int protocolVersion, String magicCookieKey, String magicCookieValue) {
        return new HandshakeConfig(protocolVersion, magicCookieKey, magicCookieValue);
    }
}
