package dev.outpost.internal.yamux;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the bytes of a yamux connection into {@link Frame}s. A header that cannot be valid (another
 * version, an unknown type, a data frame larger than any window this side grants) fails the
 * connection at once, before its payload is waited for: garbage never makes it buffer without bound.
 */
final class FrameDecoder extends ByteToMessageDecoder {

    private final int maxDataLength;

    /** @param maxDataLength the largest receive window this side ever grants a stream */
    FrameDecoder(int maxDataLength) {
        this.maxDataLength = maxDataLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws YamuxException {
        while (in.readableBytes() >= Frame.HEADER_SIZE) {
            int start = in.readerIndex();
            int version = in.getUnsignedByte(start);
            int type = in.getUnsignedByte(start + 1);
            int flags = in.getUnsignedShort(start + 2);
            int streamId = in.getInt(start + 4);
            long length = in.getUnsignedInt(start + 8);
            if (version != Frame.VERSION) {
                throw YamuxException.protocol("unsupported yamux version " + version + " (expected "
                        + Frame.VERSION + "): not a yamux peer, or a corrupt stream");
            }
            if (type > Frame.GO_AWAY) {
                throw YamuxException.protocol("unknown yamux frame type " + type);
            }
            ByteBuf data = null;
            if (type == Frame.DATA && length > 0) {
                if (length > maxDataLength) {
                    throw YamuxException.protocol("data frame of " + length + " bytes on stream "
                            + Integer.toUnsignedString(streamId) + " exceeds the largest receive window ("
                            + maxDataLength + " bytes)");
                }
                if (in.readableBytes() < Frame.HEADER_SIZE + length) {
                    return;
                }
                in.skipBytes(Frame.HEADER_SIZE);
                data = in.readRetainedSlice((int) length);
            } else {
                in.skipBytes(Frame.HEADER_SIZE);
            }
            out.add(new Frame(type, flags, streamId, length, data));
        }
    }
}
