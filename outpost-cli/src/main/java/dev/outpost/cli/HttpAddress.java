package dev.outpost.cli;

import dev.outpost.internal.grpc.TcpAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** {@code --http HOST:PORT}: {@code 127.0.0.1:8080}, {@code [::1]:8080}, {@code localhost:0} (any free port). */
final class HttpAddress {

    private HttpAddress() {
    }

    /** @throws IllegalArgumentException saying what was expected and what came */
    static InetSocketAddress parse(String text) {
        TcpAddress address;
        try {
            address = TcpAddress.parse(text, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--http expects HOST:PORT (e.g. 127.0.0.1:8080): " + e.getMessage());
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(address.host()), address.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--http: unknown host '" + address.host() + "'");
        }
    }
}
