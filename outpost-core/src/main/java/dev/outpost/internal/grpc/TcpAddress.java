package dev.outpost.internal.grpc;

import java.util.Objects;

/**
 * A {@code host:port} as an operator writes it ({@code [::1]:7000} for IPv6), checked: a host, and a port
 * in range. Parsing never resolves the name.
 *
 * @param host the name or address, without brackets
 * @param port the port; 0 only where {@link #parse} allowed it (a listener's "any free port")
 */
public record TcpAddress(String host, int port) {

    public TcpAddress {
        Objects.requireNonNull(host, "host");
    }

    /**
     * Parses {@code text}.
     *
     * @param anyPort whether port 0 (any free port, for a listener) is allowed
     * @throws IllegalArgumentException saying what is wrong and what was given
     */
    public static TcpAddress parse(String text, boolean anyPort) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an address must be host:port, got " + (text == null ? "nothing"
                    : "\"" + text + "\""));
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("an address must be host:port, got \"" + text + "\"");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 address must be in brackets, [::1]:7000; got \"" + text + "\"");
        }
        if (host.isBlank() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/')) {
            throw new IllegalArgumentException("an address must be host:port with a host name or IP address, got \""
                    + text + "\"");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of \"" + text + "\" is not a number");
        }
        int lowest = anyPort ? 0 : 1;
        if (port < lowest || port > 65535) {
            throw new IllegalArgumentException("the port of \"" + text + "\" must be " + lowest + " to 65535, got "
                    + port);
        }
        return new TcpAddress(host, port);
    }

    /** Whether the host is a wildcard address, which means "every interface" to a listener. */
    public boolean wildcard() {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }

    /** {@code host:port}, with brackets for an IPv6 address. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
