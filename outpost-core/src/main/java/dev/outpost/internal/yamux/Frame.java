package dev.outpost.internal.yamux;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;

/**
 * One yamux frame: a 12-byte big-endian header (version 0, type, flags, stream id, length) and, for
 * data frames, {@code length} bytes of payload. The length is the payload size for data, the window
 * delta for window updates, an opaque value for pings and the error code for go-away.
 *
 * @param type     {@link #DATA}, {@link #WINDOW_UPDATE}, {@link #PING} or {@link #GO_AWAY}
 * @param flags    a combination of {@link #SYN}, {@link #ACK}, {@link #FIN} and {@link #RST}
 * @param streamId the stream (odd: opened by the client, even: by the server), 0 for the session
 * @param length   the header's length field, unsigned 32 bits
 * @param data     the payload of a data frame (owned by the frame), else null
 */
record Frame(int type, int flags, int streamId, long length, ByteBuf data) {

    static final int VERSION = 0;
    static final int HEADER_SIZE = 12;

    static final int DATA = 0;
    static final int WINDOW_UPDATE = 1;
    static final int PING = 2;
    static final int GO_AWAY = 3;

    static final int SYN = 1;
    static final int ACK = 2;
    static final int FIN = 4;
    static final int RST = 8;

    /** go-away codes. */
    static final int NORMAL = 0;
    static final int PROTOCOL_ERROR = 1;
    static final int INTERNAL_ERROR = 2;

    /** The receive window every stream starts with, on both sides (yamux's initialStreamWindow). */
    static final int INITIAL_WINDOW = 256 * 1024;

    /** Writes a header into {@code out}. */
    static void writeHeader(ByteBuf out, int type, int flags, int streamId, long length) {
        out.writeByte(VERSION);
        out.writeByte(type);
        out.writeShort(flags);
        out.writeInt(streamId);
        out.writeInt((int) length);
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    static String typeName(int type) {
        return switch (type) {
            case DATA -> "data";
            case WINDOW_UPDATE -> "window update";
            case PING -> "ping";
            case GO_AWAY -> "go-away";
            default -> "type " + type;
        };
    }

    @Override
    public String toString() {
        return typeName(type) + " frame (flags " + flags + ", stream " + Integer.toUnsignedString(streamId)
                + ", length " + length + ")";
    }
}
