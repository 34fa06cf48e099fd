package dev.outpost.host;

import dev.outpost.Network;
import java.util.Objects;

/**
 * Where to find a plugin that is already running, e.g. one started by a debugger or by an earlier
 * host: {@link PluginClient#reattach} connects to it without launching anything.
 *
 * @param network         where it listens
 * @param address         socket path or {@code host:port}
 * @param pid             its process id, used to notice its exit and to stop it
 * @param protocolVersion the application protocol version it serves
 */
public record ReattachConfig(Network network, String address, long pid, int protocolVersion) {
    public ReattachConfig {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(address, "address");
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
    }
}
