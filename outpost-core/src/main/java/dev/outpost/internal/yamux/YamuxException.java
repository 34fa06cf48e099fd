package dev.outpost.internal.yamux;

import java.io.IOException;

/**
 * A yamux session or stream that cannot go on: the peer broke the protocol, went away, stopped
 * answering, or the connection closed. The message says which and, once the session knows it, whose
 * connection it was.
 */
public final class YamuxException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Whether the peer broke the protocol (it is then told with a go-away, code 1). */
    private final boolean protocolError;

    YamuxException(String message, boolean protocolError, Throwable cause) {
        super(message, cause);
        this.protocolError = protocolError;
    }

    /** A session or stream that ended for {@code message}; not a protocol error. */
    public YamuxException(String message) {
        this(message, false, null);
    }

    static YamuxException protocol(String message) {
        return new YamuxException(message, true, null);
    }

    /** Whether the peer broke the protocol. */
    public boolean isProtocolError() {
        return protocolError;
    }
}
