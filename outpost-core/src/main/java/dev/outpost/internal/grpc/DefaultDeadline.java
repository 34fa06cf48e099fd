package dev.outpost.internal.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cancels unary calls without a deadline of their own once they have run for the timeout, with
 * {@code DEADLINE_EXCEEDED}, so that no call can hang forever. Zero: none.
 *
 * <p>A gRPC deadline on every call would do the same, but costs each call a timer on the event loop
 * (about 30 µs of a 400 µs round trip on 2 cores, measured with java-kv-host). Instead, calls are kept
 * in a map and one watchdog thread cancels those that are overdue, checking every twentieth of the
 * timeout (10 ms at least, 1 s at most): a call ends at most that much after its timeout.
 */
public final class DefaultDeadline implements ClientInterceptor, AutoCloseable {

    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private final Duration timeout;
    private final long timeoutNanos;

    /** In-flight calls and when they started (System.nanoTime). */
    private final Map<Watched<?, ?>, Long> calls = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> checks;

    public DefaultDeadline(Duration timeout) {
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        if (timeout.isZero()) {
            checks = null;
            return;
        }
        long period = Math.min(1000, Math.max(10, timeout.toMillis() / 20));
        // The watchdog holds this interceptor only weakly: one never closed stops its checks once collected.
        WeakReference<DefaultDeadline> self = new WeakReference<>(this);
        AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        task.set(WATCHDOG.scheduleWithFixedDelay(() -> {
            DefaultDeadline deadline = self.get();
            if (deadline == null) {
                task.get().cancel(false);
            } else {
                deadline.cancelOverdue();
            }
        }, period, period, TimeUnit.MILLISECONDS));
        checks = task.get();
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1,
                Transport.daemonThreads("outpost-call-watchdog"));
        // A closed channel's checks leave the queue at once, not when they would have run next.
        watchdog.setRemoveOnCancelPolicy(true);
        return watchdog;
    }

    /** Stops the checks: the channel it watches is shut down. Calls still in flight keep their own end. */
    @Override
    public void close() {
        if (checks != null) {
            checks.cancel(false);
        }
    }

    /** How many channels with a timeout are watched: one check each, until the channel closes. */
    public static int scheduledChecks() {
        return ((ScheduledThreadPoolExecutor) WATCHDOG).getQueue().size();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        ClientCall<Q, R> call = next.newCall(method, options);
        if (method.getType() != MethodDescriptor.MethodType.UNARY || options.getDeadline() != null || timeout.isZero()) {
            return call;
        }
        return new Watched<>(call);
    }

    private void cancelOverdue() {
        long now = System.nanoTime();
        calls.forEach((call, started) -> {
            if (now - started >= timeoutNanos && calls.remove(call, started)) {
                call.expire();
            }
        });
    }

    /** A call the watchdog may cancel; its listener then sees DEADLINE_EXCEEDED rather than CANCELLED. */
    private final class Watched<Q, R> extends SimpleForwardingClientCall<Q, R> {
        private volatile boolean expired;

        Watched(ClientCall<Q, R> call) {
            super(call);
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            calls.put(this, System.nanoTime());
            try {
                super.start(new SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        calls.remove(Watched.this);
                        super.onClose(expired ? Status.DEADLINE_EXCEEDED.withDescription("no answer within "
                                + timeout.toMillis() + " ms") : status, trailers);
                    }
                }, headers);
            } catch (RuntimeException | Error e) {
                calls.remove(this);
                throw e;
            }
        }

        void expire() {
            expired = true;
            cancel("no answer within " + timeout.toMillis() + " ms", null);
        }
    }
}
