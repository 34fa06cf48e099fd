package dev.outpost.internal.yamux;

import java.net.SocketAddress;
import java.util.Objects;

/**
 * The address of one yamux stream: the connection it runs over (as the socket reports that end of
 * it) and the stream's id. What gRPC reports as a call's local or remote address on a multiplexed
 * connection.
 */
public final class YamuxStreamAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final SocketAddress connection;
    private final int streamId;

    YamuxStreamAddress(SocketAddress connection, int streamId) {
        this.connection = connection;
        this.streamId = streamId;
    }

    /** That end of the connection the stream runs over, e.g. the plugin's socket. */
    public SocketAddress connection() {
        return connection;
    }

    public int streamId() {
        return streamId;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof YamuxStreamAddress that && streamId == that.streamId
                && Objects.equals(connection, that.connection);
    }

    @Override
    public int hashCode() {
        return Objects.hash(connection, streamId);
    }

    @Override
    public String toString() {
        return "yamux stream " + Integer.toUnsignedString(streamId) + " over " + connection;
    }
}
