package dev.outpost.internal.yamux;

import io.grpc.netty.shaded.io.netty.channel.AbstractServerChannel;
import io.grpc.netty.shaded.io.netty.channel.ChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.DefaultChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.net.SocketAddress;

/**
 * A server channel whose accepted children are yamux streams, so that a gRPC server (or any Netty
 * server) serves streams of a session instead of sockets. It binds to a {@link YamuxListenAddress};
 * whoever owns that address routes streams to it with {@link #accept}. Its children must be
 * registered on their session's event loop: give the server that loop as its worker group.
 */
public final class YamuxServerChannel extends AbstractServerChannel {

    private final ChannelConfig config = new DefaultChannelConfig(this);
    private volatile boolean open = true;
    private volatile YamuxListenAddress address;

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && address != null;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return address;
    }

    @Override
    protected void doBind(SocketAddress local) {
        if (!(local instanceof YamuxListenAddress listen)) {
            throw new IllegalArgumentException("a yamux server channel binds to a YamuxListenAddress, not " + local);
        }
        address = listen;
        listen.bound(this);
    }

    @Override
    protected void doClose() {
        open = false;
        YamuxListenAddress bound = address;
        if (bound != null) {
            bound.closed(this);
        }
    }

    @Override
    protected void doBeginRead() {
        // Streams are handed over by accept(), whenever they come.
    }

    /**
     * Hands {@code stream} to the server as an accepted child. Call on the stream's event loop.
     *
     * @return false when this server no longer accepts (the stream should be refused)
     */
    public boolean accept(YamuxStream stream) {
        if (!isActive()) {
            return false;
        }
        if (eventLoop().inEventLoop()) {
            deliver(stream);
        } else {
            eventLoop().execute(() -> deliver(stream));
        }
        return true;
    }

    private void deliver(YamuxStream stream) {
        if (!isActive()) {
            stream.resetLater();
            return;
        }
        pipeline().fireChannelRead(stream);
        pipeline().fireChannelReadComplete();
    }
}
