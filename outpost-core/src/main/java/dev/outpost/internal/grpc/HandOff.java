package dev.outpost.internal.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a server call's handler from the connection's event loop to the call executor, once per call.
 *
 * <p>The server runs on a direct executor, so gRPC delivers everything on the event loop that read it;
 * this interceptor decides what leaves it. gRPC's own executor queues a call's callbacks for a pool thread
 * as the frames are parsed: the start at the headers, the message and the half-close at the data frame. A
 * thread woken for the start could finish it before the event loop had parsed the rest, and the rest then
 * woke a thread again; a wake-up, not the handler, is most of a short call's time.
 *
 * <p>For unary and server-streaming methods, a handler made by gRPC's stubs runs no code of the plugin's
 * before the request is complete (its start and {@code onMessage} only keep the request; {@code onReady}
 * only notes it): those stay on the event loop, and the hand-off happens at {@code onHalfClose}. For
 * client-streaming and bidirectional methods the stub calls the plugin's method from {@code startCall}, so
 * everything goes to the executor from the start. Either way every callback after the hand-off runs in
 * order, one at a time, on the executor, with the call's gRPC context; methods named inline
 * ({@code ServeConfig.Builder.nonBlocking}) never leave the event loop.
 *
 * <p>One exception: {@code onComplete}, the notice that the answer went out, runs on the event loop when
 * every earlier callback of the call has returned (otherwise after them, on the executor). A stub's
 * {@code onComplete} runs only the close handler a method may set
 * ({@code ServerCallStreamObserver.setOnCloseHandler}), which must not block. Handing it to a thread woke
 * one for every call, after the answer: a busy plugin's largest cost after the hand-off itself (measured
 * in benchmarks/README.md).
 */
final class HandOff implements ServerInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(HandOff.class);

    private final Executor executor;
    private final Set<String> inline;

    HandOff(Executor executor, Set<String> inline) {
        this.executor = executor;
        this.inline = inline;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (inline.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        MethodType type = call.getMethodDescriptor().getType();
        Handed<Q> handed = new Handed<>(call, MoreExecutors.newSequentialExecutor(executor), Context.current());
        if (type == MethodType.UNARY || type == MethodType.SERVER_STREAMING) {
            handed.delegate = next.startCall(call, headers);
        } else {
            handed.handOff(() -> handed.delegate = next.startCall(call, headers));
        }
        return handed;
    }

    /** One call's listener: on the event loop until it is handed off, then on the executor, in order. */
    private static final class Handed<Q> extends ServerCall.Listener<Q> {

        private final ServerCall<Q, ?> call;
        private final Executor serial;
        private final Context context;
        /** Set on the event loop, or by the first task on the executor; read only after either. */
        private ServerCall.Listener<Q> delegate;
        /** Written and read on the event loop only: gRPC delivers every callback there. */
        private boolean handedOff;
        /** Set on the executor when a callback threw and the call was closed: what follows is dropped. */
        private volatile boolean failed;
        /** Callbacks handed to the executor and not yet returned. */
        private final AtomicInteger pending = new AtomicInteger();

        Handed(ServerCall<Q, ?> call, Executor serial, Context context) {
            this.call = call;
            this.serial = serial;
            this.context = context;
        }

        /** Hands the call off to the executor, if it was not yet, with {@code callback} as its next task. */
        void handOff(Runnable callback) {
            handedOff = true;
            post(callback);
        }

        /** Runs {@code callback} on the event loop until the call is handed off, then on the executor. */
        private void deliver(Runnable callback) {
            if (handedOff) {
                post(callback);
            } else {
                callback.run();
            }
        }

        private void post(Runnable callback) {
            pending.incrementAndGet();
            serial.execute(() -> {
                try {
                    run(callback);
                } finally {
                    pending.decrementAndGet();
                }
            });
        }

        private void run(Runnable callback) {
            if (failed) {
                return;
            }
            Context previous = context.attach();
            try {
                callback.run();
            } catch (RuntimeException | Error e) {
                fail(e);
            } finally {
                context.detach(previous);
            }
        }

        /** What gRPC's own executor does with a handler that throws: the call ends, UNKNOWN, with the cause. */
        private void fail(Throwable e) {
            failed = true;
            LOG.warn("{} failed; the call ends as UNKNOWN", call.getMethodDescriptor().getFullMethodName(), e);
            try {
                call.close(Status.UNKNOWN.withDescription("Application error processing RPC").withCause(e),
                        new Metadata());
            } catch (IllegalStateException alreadyClosed) {
                // The handler closed the call before it threw: the caller has its answer.
            }
            if (e instanceof Error error) {
                throw error;
            }
        }

        @Override
        public void onMessage(Q message) {
            deliver(() -> delegate.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            handOff(() -> delegate.onHalfClose());
        }

        @Override
        public void onCancel() {
            handOff(() -> delegate.onCancel());
        }

        @Override
        public void onComplete() {
            if (pending.get() == 0) {
                run(() -> delegate.onComplete()); // nothing of the call runs or waits: see the class comment
            } else {
                handOff(() -> delegate.onComplete());
            }
        }

        @Override
        public void onReady() {
            deliver(() -> delegate.onReady());
        }
    }
}
