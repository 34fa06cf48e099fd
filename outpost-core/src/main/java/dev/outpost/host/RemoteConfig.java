package dev.outpost.host;

import dev.outpost.TlsFiles;
import dev.outpost.internal.grpc.TcpAddress;
import java.util.Objects;

/**
 * Where a plugin served remotely is ({@code PluginServer} in its remote mode, e.g. a Kubernetes Service),
 * and the host's side of their mutual TLS: {@link PluginClient#remote} connects to it. Immutable; checked
 * when made.
 *
 * @param address         {@code host:port} to dial: a DNS name (resolved at each connection) or an IP
 *                        address, {@code [::1]:7000} for IPv6
 * @param tls             the host's certificate and key, and the certificate authorities the plugin's
 *                        certificate must chain to
 * @param serverName      the name the plugin's certificate must carry (a DNS or IP subject alternative
 *                        name); null for the host of {@code address}
 * @param protocolVersion the application protocol version the plugin serves (the second field of the line
 *                        it prints); 0 for the version of the host's {@link ClientConfig#handshake()}
 */
public record RemoteConfig(String address, TlsFiles tls, String serverName, int protocolVersion) {

    /** @throws IllegalArgumentException when {@code address} is not {@code host:port} or a value is out of range */
    public RemoteConfig {
        TcpAddress parsed = TcpAddress.parse(address, false);
        Objects.requireNonNull(tls, "tls");
        if (serverName == null) {
            serverName = parsed.host();
        } else if (serverName.isBlank()) {
            throw new IllegalArgumentException("serverName must not be blank");
        }
        if (protocolVersion < 0) {
            throw new IllegalArgumentException("protocolVersion must be at least 1 (or 0 for the host's), got "
                    + protocolVersion);
        }
    }

    /** A plugin at {@code address} whose certificate names its host, serving the host's protocol version. */
    public static RemoteConfig of(String address, TlsFiles tls) {
        return new RemoteConfig(address, tls, null, 0);
    }

    /** This config with the name the plugin's certificate must carry, e.g. when dialling an IP address. */
    public RemoteConfig withServerName(String name) {
        return new RemoteConfig(address, tls, Objects.requireNonNull(name, "name"), protocolVersion);
    }

    /** This config for a plugin that serves application protocol {@code version}. */
    public RemoteConfig withProtocolVersion(int version) {
        if (version < 1) {
            throw new IllegalArgumentException("protocol version must be at least 1, got " + version);
        }
        return new RemoteConfig(address, tls, serverName, version);
    }
}
