package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.Probe;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where {@link HandOff} runs a call's completion notice, with the order of events fixed by the test: over a
 * real connection, gRPC's notice can arrive while the handler that closed the call is still returning, so
 * which branch runs there is up to the scheduler. Here the test thread stands for the event loop.
 */
class HandOffCompletionTest {

    private static final MethodDescriptor<String, String> UNARY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodType.UNARY).setFullMethodName(MethodDescriptor.generateFullMethodName("test.HandOff", "Unary"))
            .setRequestMarshaller(Probe.STRING).setResponseMarshaller(Probe.STRING).build();

    private final ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, "test-call"));
    /** Released each time a task given to the executor has returned. */
    private final Semaphore returned = new Semaphore(0);
    private final Executor executor = task -> pool.execute(() -> {
        try {
            task.run();
        } finally {
            returned.release();
        }
    });
    /** The threads the handler's completion notice ran on. */
    private final List<String> completions = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** A call through HandOff whose handler runs {@code halfClose} when the request is complete. */
    private ServerCall.Listener<String> start(Runnable halfClose) {
        ServerCallHandler<String, String> handler = (call, headers) -> new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
                halfClose.run();
            }

            @Override
            public void onComplete() {
                completions.add(Thread.currentThread().getName());
            }
        };
        return new HandOff(executor, Set.of()).interceptCall(new UnaryCall(), new Metadata(), handler);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aCompletionNoticeRunsOnTheEventLoopOnceTheHandlerHasReturned() throws InterruptedException {
        ServerCall.Listener<String> listener = start(() -> { });
        listener.onHalfClose();
        assertThat(returned.tryAcquire(10, TimeUnit.SECONDS)).as("the handler returned").isTrue();

        listener.onComplete();
        assertThat(completions).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void aCompletionNoticeWaitsForAHandlerStillRunningAndThenRunsOnTheExecutor() {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServerCall.Listener<String> listener = start(() -> {
            entered.countDown();
            await(release);
        });
        listener.onHalfClose();
        await(entered);

        listener.onComplete();
        assertThat(completions).as("not beside the running handler").isEmpty();
        release.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(completions)
                .containsExactly("test-call"));
    }

    /** The server side of a unary call, as far as HandOff uses it. */
    private static final class UnaryCall extends ServerCall<String, String> {
        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(String message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return UNARY;
        }
    }
}
