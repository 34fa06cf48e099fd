package dev.outpost.internal.yamux;

import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Where a {@link YamuxStream} of this side connects to: a new stream of {@code session}, opened when
 * the {@link Gate} lets it (at once, or after go-plugin's knock for a brokered connection).
 */
public final class YamuxDialAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    /** Decides when a stream may be opened. */
    @FunctionalInterface
    public interface Gate {
        /** Opens at once. */
        Gate OPEN = Supplier::get;

        /**
         * Calls {@code open} once a stream may be opened and returns what it returns (it completes
         * once the stream's opening frame is queued), or a failed future saying why it may not.
         */
        CompletableFuture<Void> pass(Supplier<CompletableFuture<Void>> open);
    }

    private final transient YamuxSession session;
    private final transient Gate gate;
    private final String description;

    /**
     * @param description what the stream is for, for messages: {@code plugin 'kv'} or {@code broker id 3}
     */
    public YamuxDialAddress(YamuxSession session, Gate gate, String description) {
        this.session = Objects.requireNonNull(session, "session");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.description = Objects.requireNonNull(description, "description");
    }

    YamuxSession session() {
        return session;
    }

    Gate gate() {
        return gate;
    }

    @Override
    public String toString() {
        return description + " (multiplexed)";
    }
}
