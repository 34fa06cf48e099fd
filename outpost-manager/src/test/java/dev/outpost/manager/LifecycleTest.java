package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A manager's life on its own: one start, one close, and a start that a close overtakes. */
class LifecycleTest {

    private final Lifecycle lifecycle = new Lifecycle();

    @Test
    void startsOnce() {
        lifecycle.start();
        assertThatThrownBy(lifecycle::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager already started");
        assertThat(lifecycle.started(() -> { })).isTrue();
        assertThatThrownBy(lifecycle::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager already started");
    }

    @Test
    void aStartThatFailedBeforeAddingPluginsMayBeTriedAgain() throws IOException {
        lifecycle.start();
        assertThatThrownBy(() -> lifecycle.duringStart(() -> {
            throw new IOException("unreadable");
        })).isInstanceOf(IOException.class);
        lifecycle.startFailed();
        lifecycle.start();
        assertThat(lifecycle.duringStart(() -> "scanned")).isEqualTo("scanned");
    }

    @Test
    void nothingStartsOnceClosed() {
        assertThat(lifecycle.beginClose()).isTrue();
        lifecycle.closed();
        assertThatThrownBy(lifecycle::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager is closed; cannot start");
        assertThatThrownBy(() -> lifecycle.checkOpen("reload plugin 'x'")).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager is closed; cannot reload plugin 'x'");
        assertThat(lifecycle.closing()).isTrue();
    }

    @Test
    void aCloseDuringTheStartStopsItsLaterSteps() {
        lifecycle.start();
        assertThat(lifecycle.closing()).isFalse();
        assertThat(lifecycle.beginClose()).isTrue();

        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> lifecycle.duringStart(() -> ran.getAndSet(true)))
                .isInstanceOf(IllegalStateException.class).hasMessage("plugin manager closed while starting");
        assertThat(lifecycle.started(() -> ran.set(true))).isFalse();
        assertThat(ran).as("a step after the close began").isFalse();
    }

    @Test
    void aCloseWaitsForTheStepOfTheStartUnderWay() throws Exception {
        lifecycle.start();
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch finishStep = new CountDownLatch(1);
        CompletableFuture<String> step = new CompletableFuture<>();
        Thread starter = new Thread(() -> step.complete(lifecycle.duringStart(() -> {
            inStep.countDown();
            awaitQuietly(finishStep);
            return "plugins added";
        })), "starter");
        starter.start();
        assertThat(inStep.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> close = new CompletableFuture<>();
        Thread closer = new Thread(() -> close.complete(lifecycle.beginClose()), "closer");
        closer.start();
        await().until(() -> closer.getState() == Thread.State.BLOCKED);
        assertThat(close).as("the close waits for the step").isNotDone();
        finishStep.countDown();
        assertThat(step.get(10, TimeUnit.SECONDS)).isEqualTo("plugins added");
        assertThat(close.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lifecycle.started(() -> { })).as("the start, after the close").isFalse();
    }

    @Test
    void aSecondCloseWaitsForTheFirstAndDoesNothing() throws Exception {
        assertThat(lifecycle.beginClose()).isTrue();
        CompletableFuture<Boolean> second = new CompletableFuture<>();
        Thread closer = new Thread(() -> second.complete(lifecycle.beginClose()), "second-close");
        closer.start();
        await().until(() -> closer.getState() == Thread.State.WAITING);
        assertThat(second).as("returns only once the first close is done").isNotDone();
        lifecycle.closed();
        assertThat(second.get(10, TimeUnit.SECONDS)).as("the second does not close again").isFalse();
        assertThat(lifecycle.beginClose()).as("after the close").isFalse();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
