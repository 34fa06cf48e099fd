package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link HandOff}: a server's handlers leave the event loop, once per call, in order, with their call's
 * context; a handler that blocks holds up neither the connection nor the other calls on it.
 */
@ExtendWith(LeakCheck.class)
class HandOffTest {

    private static final String SERVICE = "test.HandOff";
    private static final MethodDescriptor<String, String> ECHO = method("Echo", MethodType.UNARY);
    private static final MethodDescriptor<String, String> BLOCK = method("Block", MethodType.UNARY);
    private static final MethodDescriptor<String, String> THROW = method("Throw", MethodType.UNARY);
    private static final MethodDescriptor<String, String> CHAT = method("Chat", MethodType.BIDI_STREAMING);
    private static final MethodDescriptor<String, String> LINGER = method("Linger", MethodType.UNARY);

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    /** What the completion handlers saw: where they ran, and whether their handler had returned. */
    private final LinkedBlockingQueue<String> completions = new LinkedBlockingQueue<>();
    private volatile boolean returned;
    private Server server;
    private ManagedChannel channel;

    private static MethodDescriptor<String, String> method(String name, MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(Probe.STRING).setResponseMarshaller(Probe.STRING).build();
    }

    /** The pool of the thread a handler ran on, and whether the call's deadline was in its context. */
    private static String where() {
        String pool = Thread.currentThread().getName().replaceAll("-\\d+$", "");
        return pool + (Context.current().getDeadline() != null ? " with deadline" : "");
    }

    private void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        ServerCalls.UnaryMethod<String, String> echo = (request, response) -> {
            response.onNext(where());
            response.onCompleted();
        };
        ServerCalls.UnaryMethod<String, String> block = (request, response) -> {
            entered.countDown();
            await(release);
            response.onNext(where());
            response.onCompleted();
        };
        ServerCalls.UnaryMethod<String, String> fail = (request, response) -> {
            throw new IllegalStateException("the plugin's bug");
        };
        // A bidirectional method's code runs when the call starts: here it waits before it answers anything.
        ServerCalls.BidiStreamingMethod<String, String> chat = response -> {
            entered.countDown();
            await(release);
            return new StreamObserver<>() {
                @Override
                public void onNext(String message) {
                    response.onNext(message + " on " + where());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    response.onCompleted();
                }
            };
        };
        // Sets a completion handler and goes on after its answer is out, until the test releases it. (The
        // notice after a handler that has returned: HandOffCompletionTest, where the order is the test's.)
        ServerCalls.UnaryMethod<String, String> linger = (request, response) -> {
            ((ServerCallStreamObserver<String>) response).setOnCloseHandler(
                    () -> completions.add(where() + (returned ? " after the handler" : " during the handler")));
            response.onNext("lingered");
            response.onCompleted();
            await(release);
            returned = true;
        };
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(LINGER, ServerCalls.asyncUnaryCall(linger))
                .addMethod(ECHO, ServerCalls.asyncUnaryCall(echo))
                .addMethod(BLOCK, ServerCalls.asyncUnaryCall(block))
                .addMethod(THROW, ServerCalls.asyncUnaryCall(fail))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(chat)).build();
        server = Transport.server(new InetSocketAddress("127.0.0.1", 0), List.of(service), null, 1 << 20, Set.of());
        channel = Transport.channel(server.getListenSockets().get(0));
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private String call(MethodDescriptor<String, String> method) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10,
                TimeUnit.SECONDS), "hello");
    }

    @Test
    void aUnaryHandlerRunsOnTheCallExecutorWithItsCallsContext() {
        assertThat(call(ECHO)).isEqualTo("outpost-call with deadline");
    }

    @Test
    void aBlockedUnaryHandlerHoldsUpNoOtherCallOnItsConnection() {
        var blocked = ClientCalls.futureUnaryCall(channel.newCall(BLOCK, CallOptions.DEFAULT.withDeadlineAfter(10,
                TimeUnit.SECONDS)), "wait");
        await(entered);

        assertThat(call(ECHO)).startsWith("outpost-call");
        release.countDown();
        assertThat(blocked).succeedsWithin(10, TimeUnit.SECONDS).asString().startsWith("outpost-call");
    }

    @Test
    void aStreamingMethodThatBlocksAsItStartsHoldsUpNothingAndGetsItsMessagesInOrder() throws Exception {
        LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
        CountDownLatch done = new CountDownLatch(1);
        ClientCall<String, String> chat = channel.newCall(CHAT, CallOptions.DEFAULT.withDeadlineAfter(10,
                TimeUnit.SECONDS));
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(chat, new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
                answers.add("error: " + t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        for (int i = 1; i <= 3; i++) {
            requests.onNext("message " + i);
        }
        requests.onCompleted();
        await(entered);

        assertThat(call(ECHO)).startsWith("outpost-call");
        release.countDown();
        await(done);
        assertThat(answers).containsExactly("message 1 on outpost-call with deadline",
                "message 2 on outpost-call with deadline", "message 3 on outpost-call with deadline");
    }

    @Test
    void aCompletionNoticeWaitsForAHandlerStillRunningAndThenRunsOnTheExecutor() throws InterruptedException {
        assertThat(call(LINGER)).isEqualTo("lingered"); // the answer is out; the handler waits for release
        release.countDown();
        assertThat(completions.poll(10, TimeUnit.SECONDS)).isEqualTo("outpost-call with deadline after the handler");
    }

    @Test
    void aHandlerThatThrowsEndsItsCallAsUnknownAndTheConnectionServesOn() {
        assertThatThrownBy(() -> call(THROW)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
            assertThat(e.getStatus().getDescription()).isEqualTo("Application error processing RPC");
        });
        assertThat(call(ECHO)).startsWith("outpost-call");
    }
}
