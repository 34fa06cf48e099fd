package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.PluginCallException;
import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** Which failures of a call a stable handle looks into, and which of them prove the call was never sent. */
class LostCallsTest {

    @Test
    void theConnectionFailingIsUnavailableOrCancelledNotAnAnswerNorADeadline() {
        assertThat(LostCalls.connectionFailure(new PluginUnavailableException("p", "gone"))).isTrue();
        assertThat(LostCalls.connectionFailure(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
                .isTrue();
        assertThat(LostCalls.connectionFailure(Status.CANCELLED.asException())).isTrue();

        assertThat(LostCalls.connectionFailure(new PluginTimeoutException("p", "too slow", null))).isFalse();
        assertThat(LostCalls.connectionFailure(Status.DEADLINE_EXCEEDED.asRuntimeException())).isFalse();
        assertThat(LostCalls.connectionFailure(Status.UNKNOWN.asRuntimeException())).isFalse();
        assertThat(LostCalls.connectionFailure(new PluginCallException("p", "peer", "Sensor.read",
                "java.lang.IllegalStateException", "no reading", new StackTraceElement[0]))).isFalse();
        assertThat(LostCalls.connectionFailure(new IllegalStateException("closed"))).isFalse();
    }

    @Test
    void aRefusedConnectionAnywhereUnderTheFailureProvesNothingWasSent() {
        Throwable refused = new PluginUnavailableException("p", "Sensor.read failed: io exception",
                Status.UNAVAILABLE.withDescription("io exception")
                        .withCause(new ConnectException("connect(..) failed: Connection refused")).asRuntimeException());
        assertThat(LostCalls.refused(refused)).isTrue();

        Throwable reset = new PluginUnavailableException("p", "Sensor.read failed: io exception",
                Status.UNAVAILABLE.withDescription("io exception")
                        .withCause(new IOException("recvAddress(..) failed: Connection reset by peer")).asRuntimeException());
        assertThat(LostCalls.refused(reset)).as("a reset connection may have carried the call").isFalse();
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);
        assertThat(LostCalls.refused(first)).isFalse();
    }

    @Test
    void theReasonSaysWhatBecameOfTheProcessAndThatTheCallWasNotMadeAgain() {
        assertThat(LostCalls.mayHaveRun("sensor", 42, "was killed by signal 9 (SIGKILL)", "Sensor.read", "RESTARTING"))
                .isEqualTo("plugin 'sensor' (pid 42) was killed by signal 9 (SIGKILL) during Sensor.read; the call may"
                        + " have reached it, so it was not made again; the plugin is RESTARTING");
    }
}
