package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class OutboundLimitTest {

    @Test
    void aCancellationCausedByTheLimitIsReportedAsTheLimit() {
        Status tooLarge = Status.RESOURCE_EXHAUSTED.withDescription("message of 10 bytes is over the limit");
        Status reported = Transport.OutboundLimit.sizeError(Status.CANCELLED.withCause(tooLarge.asRuntimeException()));

        assertThat(reported.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(reported.getDescription()).isEqualTo("message of 10 bytes is over the limit");
    }

    @Test
    void aCancellationWithoutACauseStaysACancellation() {
        // The host cancelling its own calls at close: gRPC gives no cause.
        assertThat(Transport.OutboundLimit.sizeError(Status.CANCELLED)).isSameAs(Status.CANCELLED);
        assertThat(Transport.OutboundLimit.sizeError(Status.UNAVAILABLE)).isSameAs(Status.UNAVAILABLE);
    }
}
