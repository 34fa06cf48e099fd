package dev.outpost.internal.yamux;

import java.net.SocketAddress;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a {@link YamuxServerChannel} binds to: not a socket but a place among a session's listeners,
 * which its owner fills with the streams meant for that server ({@link YamuxServerChannel#accept}).
 */
public final class YamuxListenAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final transient Consumer<YamuxServerChannel> onBind;
    private final transient Consumer<YamuxServerChannel> onClose;
    private final String description;

    /**
     * @param onBind      called with the server channel once it is bound here
     * @param onClose     called when that server channel closes
     * @param description what listens here, for messages: {@code the plugin's main server}
     */
    public YamuxListenAddress(Consumer<YamuxServerChannel> onBind, Consumer<YamuxServerChannel> onClose,
                              String description) {
        this.onBind = Objects.requireNonNull(onBind, "onBind");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
        this.description = Objects.requireNonNull(description, "description");
    }

    void bound(YamuxServerChannel channel) {
        onBind.accept(channel);
    }

    void closed(YamuxServerChannel channel) {
        onClose.accept(channel);
    }

    @Override
    public String toString() {
        return description + " (multiplexed)";
    }
}
