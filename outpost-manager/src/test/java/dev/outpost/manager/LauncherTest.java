package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The launcher on its own, with launches that stand for plugin starts. */
class LauncherTest {

    /** A launch that blocks until released, or fails when interrupted (as a plugin start does). */
    private static final class BlockingStart {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        String run() {
            entered.countDown();
            try {
                release.await();
                return "started";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("start interrupted", e);
            }
        }
    }

    @Test
    void aLaunchGivesWhatItsStartMadeAndAFailureIsThrown() {
        Launcher launcher = new Launcher(2);
        assertThat(launcher.launch(() -> "client")).hasValue("client");
        assertThatThrownBy(() -> launcher.launch(() -> {
            throw new IllegalArgumentException("no command to launch");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("no command to launch");
    }

    @Test
    void noLaunchAfterTheClose() {
        Launcher launcher = new Launcher(2);
        launcher.close();
        AtomicBoolean ran = new AtomicBoolean();
        assertThat(launcher.launch(() -> ran.getAndSet(true))).isEmpty();
        assertThat(ran).isFalse();
    }

    @Test
    void theCloseEndsALaunchUnderWayAndKeepsItsInterruptToItself() throws Exception {
        Launcher launcher = new Launcher(2);
        BlockingStart start = new BlockingStart();
        CompletableFuture<Optional<String>> launched = new CompletableFuture<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean(true);
        Thread caller = new Thread(() -> {
            launched.complete(launcher.launch(start::run));
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        }, "caller");
        caller.start();
        assertThat(start.entered.await(10, TimeUnit.SECONDS)).isTrue();

        launcher.close();
        assertThat(launched.get(10, TimeUnit.SECONDS)).as("the failure of a start the close interrupted").isEmpty();
        caller.join(10_000);
        assertThat(interruptedAfter).as("the caller's thread is left uninterrupted").isFalse();
    }

    @Test
    void atMostTheAllowedNumberRunAtOnceAndThoseWaitingEndAtTheClose() throws Exception {
        Launcher launcher = new Launcher(1);
        BlockingStart first = new BlockingStart();
        CompletableFuture<Optional<String>> firstLaunched = CompletableFuture.supplyAsync(() -> launcher.launch(first::run));
        assertThat(first.entered.await(10, TimeUnit.SECONDS)).isTrue();

        AtomicInteger secondRan = new AtomicInteger();
        CompletableFuture<Optional<String>> second = new CompletableFuture<>();
        Thread waiting = new Thread(() -> second.complete(launcher.launch(() -> "second " + secondRan.incrementAndGet())),
                "second");
        waiting.start();
        await().until(() -> waiting.getState() == Thread.State.WAITING);
        assertThat(secondRan).as("waits for the first launch").hasValue(0);

        launcher.close();
        assertThat(second.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(firstLaunched.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(secondRan).as("never ran").hasValue(0);
    }

    @Test
    void aCallerInterruptedWhileWaitingForItsTurnLaunchesNothingAndKeepsItsInterrupt() throws Exception {
        Launcher launcher = new Launcher(1);
        BlockingStart first = new BlockingStart();
        CompletableFuture<Optional<String>> firstLaunched = CompletableFuture.supplyAsync(() -> launcher.launch(first::run));
        assertThat(first.entered.await(10, TimeUnit.SECONDS)).isTrue();

        AtomicBoolean secondRan = new AtomicBoolean();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread waiting = new Thread(() -> {
            try {
                launcher.launch(() -> secondRan.getAndSet(true));
                failure.complete(null);
            } catch (RuntimeException e) {
                failure.complete(e);
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        }, "second");
        waiting.start();
        await().until(() -> waiting.getState() == Thread.State.WAITING);
        waiting.interrupt();

        assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(Launcher.Interrupted.class)
                .hasMessage("interrupted while waiting for a launch slot");
        waiting.join(10_000);
        assertThat(interruptedAfter).as("the interrupt was the caller's: it keeps it").isTrue();
        assertThat(secondRan).isFalse();
        first.release.countDown();
        assertThat(firstLaunched.get(10, TimeUnit.SECONDS)).hasValue("started");
    }

    @Test
    void aLaunchThatEndsBeforeTheCloseKeepsItsResult() throws Exception {
        Launcher launcher = new Launcher(1);
        BlockingStart start = new BlockingStart();
        CompletableFuture<Optional<String>> launched = CompletableFuture.supplyAsync(() -> launcher.launch(start::run));
        assertThat(start.entered.await(10, TimeUnit.SECONDS)).isTrue();
        start.release.countDown();
        assertThat(launched.get(10, TimeUnit.SECONDS)).hasValue("started");
        launcher.close();
        assertThat(launcher.launch(() -> "later")).isEmpty();
    }
}
