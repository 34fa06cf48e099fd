package dev.outpost;

/** A handshake line that does not follow the protocol; the message says which field and why. */
public final class HandshakeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HandshakeException(String message) {
        super(message);
    }

    public HandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
