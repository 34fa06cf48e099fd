package dev.outpost;

import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * The one line a plugin prints on stdout once it listens:
 * {@code CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVER_CERT[|MUX]}.
 *
 * @param coreVersion the core protocol version, always {@value #CORE_PROTOCOL_VERSION} for a valid plugin
 * @param appVersion  the negotiated application protocol version
 * @param network     where the plugin listens
 * @param address     a socket path, or {@code host:port}
 * @param protocol    {@code grpc} (Outpost speaks nothing else) or {@code netrpc}
 * @param serverCert  the plugin's certificate, DER bytes, when it set up automatic mutual TLS; else empty
 * @param multiplex   the 7th field, present only when the host asked for broker multiplexing
 */
public record HandshakeLine(int coreVersion, int appVersion, Network network, String address,
                            String protocol, Optional<byte[]> serverCert, Optional<Boolean> multiplex) {

    /** The only core protocol version that exists. */
    public static final int CORE_PROTOCOL_VERSION = 1;
    /** The protocol name of gRPC plugins. */
    public static final String GRPC = "grpc";
    /** The protocol assumed when the line has no protocol field (Go's net/rpc). */
    public static final String NETRPC = "netrpc";

    /** go-plugin treats a 6th field of 50 characters or fewer as legacy data, not a certificate. */
    private static final int MIN_CERT_FIELD_LENGTH = 51;
    private static final Base64.Encoder CERT_ENCODER = Base64.getEncoder().withoutPadding();

    public HandshakeLine {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(serverCert, "serverCert");
        Objects.requireNonNull(multiplex, "multiplex");
        if (address.isEmpty() || address.contains("|") || address.contains("\n")) {
            throw new IllegalArgumentException("invalid address \"" + address + "\"");
        }
    }

    /** A gRPC plugin's line without certificate and without the multiplexing field. */
    public static HandshakeLine grpc(int appVersion, Network network, String address) {
        return new HandshakeLine(CORE_PROTOCOL_VERSION, appVersion, network, address, GRPC, Optional.empty(),
                Optional.empty());
    }

    /** A copy of this line announcing {@code der} as the plugin's certificate. */
    public HandshakeLine withServerCert(byte[] der) {
        return new HandshakeLine(coreVersion, appVersion, network, address, protocol, Optional.of(der.clone()),
                multiplex);
    }

    /**
     * Formats the line without its terminating newline, always with the certificate field (empty
     * without a certificate), as Go plugins print it.
     */
    public String format() {
        StringBuilder line = new StringBuilder()
                .append(coreVersion).append('|')
                .append(appVersion).append('|')
                .append(network.wireName()).append('|')
                .append(address).append('|')
                .append(protocol).append('|')
                .append(serverCert.map(CERT_ENCODER::encodeToString).orElse(""));
        multiplex.ifPresent(mux -> line.append('|').append(mux));
        return line.toString();
    }

    /**
     * Parses a line as a host reads it: surrounding white space is trimmed, four to seven or more
     * fields are accepted (fields past the seventh are ignored), a missing protocol means
     * {@code netrpc}. Checks the form of every field and the core version; whether the application
     * version and protocol are acceptable is the host's decision.
     *
     * @throws HandshakeException naming the field that is wrong and quoting the line
     */
    public static HandshakeLine parse(String rawLine) {
        Objects.requireNonNull(rawLine, "line");
        String line = rawLine.strip();
        String[] fields = line.split("\\|", -1);
        if (line.isEmpty() || fields.length < 4) {
            throw new HandshakeException("unrecognized handshake line " + quote(line)
                    + ": expected CORE|APP|NETWORK|ADDRESS|PROTOCOL[|CERT], got " + (line.isEmpty() ? "an empty line"
                    : fields.length + " field" + (fields.length == 1 ? "" : "s")));
        }
        int core = parseInt(fields[0], "core protocol version", line);
        if (core != CORE_PROTOCOL_VERSION) {
            throw new HandshakeException("incompatible core protocol version " + core + " (expected "
                    + CORE_PROTOCOL_VERSION + ") in handshake line " + quote(line));
        }
        int app = parseInt(fields[1], "application protocol version", line);
        Network network;
        try {
            network = Network.fromWireName(fields[2]);
        } catch (IllegalArgumentException e) {
            throw new HandshakeException(e.getMessage() + " in handshake line " + quote(line));
        }
        String address = fields[3];
        if (address.isEmpty()) {
            throw new HandshakeException("empty address in handshake line " + quote(line));
        }
        if (network == Network.TCP) {
            checkTcpAddress(address, line);
        }
        String protocol = fields.length > 4 && !fields[4].isEmpty() ? fields[4] : NETRPC;
        Optional<byte[]> cert = Optional.empty();
        if (fields.length > 5 && fields[5].length() >= MIN_CERT_FIELD_LENGTH) {
            try {
                cert = Optional.of(Base64.getDecoder().decode(fields[5]));
            } catch (IllegalArgumentException e) {
                throw new HandshakeException("server certificate field is not base64 in handshake line "
                        + quote(line), e);
            }
        }
        Optional<Boolean> mux = Optional.empty();
        if (fields.length > 6) {
            mux = Optional.of(parseGoBool(fields[6], line));
        }
        return new HandshakeLine(core, app, network, address, protocol, cert, mux);
    }

    private static int parseInt(String field, String what, String line) {
        try {
            return Integer.parseInt(field);
        } catch (NumberFormatException e) {
            throw new HandshakeException(what + " is not a number: " + quote(field) + " in handshake line "
                    + quote(line));
        }
    }

    private static void checkTcpAddress(String address, String line) {
        int colon = address.lastIndexOf(':');
        boolean ok = colon > 0 && colon < address.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port > 0 && port < 65536;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new HandshakeException("tcp address " + quote(address) + " is not host:port in handshake line "
                    + quote(line));
        }
    }

    private static boolean parseGoBool(String field, String line) {
        switch (field) {
            case "1", "t", "T", "TRUE", "true", "True":
                return true;
            case "0", "f", "F", "FALSE", "false", "False":
                return false;
            default:
                throw new HandshakeException("multiplexing field " + quote(field)
                        + " is not a boolean in handshake line " + quote(line));
        }
    }

    /** Quotes a value for an error message, cut to a readable length. */
    static String quote(String value) {
        String shown = value.length() > 200 ? value.substring(0, 200) + "…(" + value.length() + " chars)" : value;
        StringBuilder out = new StringBuilder("\"");
        shown.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\x%02x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }

    /** The TCP port of a {@code host:port} address. */
    public int tcpPort() {
        if (network != Network.TCP) {
            throw new IllegalStateException("not a tcp address: " + address);
        }
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** The host of a {@code host:port} address, without IPv6 brackets. */
    public String tcpHost() {
        if (network != Network.TCP) {
            throw new IllegalStateException("not a tcp address: " + address);
        }
        String host = address.substring(0, address.lastIndexOf(':'));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HandshakeLine that && format().equals(that.format());
    }

    @Override
    public int hashCode() {
        return format().hashCode();
    }

    @Override
    public String toString() {
        return format();
    }
}
