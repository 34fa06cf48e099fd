package dev.outpost.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** {@code --http HOST:PORT}: {@code 127.0.0.1:8080}, {@code [::1]:8080}, {@code localhost:0} (any free port). */
final class HttpAddress {

    private HttpAddress() {
    }

    /** @throws IllegalArgumentException saying what was expected and what came */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("--http expects HOST:PORT (e.g. 127.0.0.1:8080), got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("--http: write an IPv6 address in brackets, as [::1]:8080; got '"
                    + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--http: the port must be a number from 0 (any free port) to 65535,"
                    + " got '" + text.substring(colon + 1) + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--http: unknown host '" + host + "'");
        }
    }
}
