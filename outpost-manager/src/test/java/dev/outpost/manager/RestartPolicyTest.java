package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Building a {@link RestartPolicy}: its defaults, and what each out-of-range value is told. */
class RestartPolicyTest {

    @Test
    void aBuilderLeftAloneGivesTheDefaults() {
        RestartPolicy built = RestartPolicy.builder().build();
        assertThat(built).isEqualTo(RestartPolicy.DEFAULT);
        assertThat(built.initialDelay()).isEqualTo(Duration.ofMillis(200));
        assertThat(built.maxDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(built.multiplier()).isEqualTo(2.0);
        assertThat(built.jitter()).isEqualTo(0.2);
        assertThat(built.maxRestarts()).isEqualTo(5);
        assertThat(built.window()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void eachFieldSetIsKeptAndTheOthersStayDefault() {
        RestartPolicy built = RestartPolicy.builder().initialDelay(Duration.ofMillis(10)).maxRestarts(7).build();
        assertThat(built).isEqualTo(new RestartPolicy(Duration.ofMillis(10), Duration.ofSeconds(30), 2.0, 0.2, 7,
                Duration.ofMinutes(10)));

        RestartPolicy all = RestartPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofSeconds(1))
                .multiplier(3).jitter(0).maxRestarts(0).window(Duration.ofHours(1)).build();
        assertThat(all).isEqualTo(new RestartPolicy(Duration.ofMillis(50), Duration.ofSeconds(1), 3, 0, 0,
                Duration.ofHours(1)));
    }

    @Test
    void theOrderOfTheDelaysDoesNotMatter() {
        // maxDelay below the default initialDelay, set first: only the pair as built is checked.
        RestartPolicy built = RestartPolicy.builder().maxDelay(Duration.ofMillis(100))
                .initialDelay(Duration.ofMillis(50)).build();
        assertThat(built.maxDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(built.initialDelay()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void eachValueOutOfRangeIsNamedWithWhatItGot() {
        assertRejected(b -> b.initialDelay(Duration.ofMillis(-1)), "initialDelay must not be negative, got PT-0.001S");
        assertRejected(b -> b.maxDelay(Duration.ofMillis(100)),
                "maxDelay must be at least initialDelay (PT0.2S), got PT0.1S");
        assertRejected(b -> b.multiplier(0.5), "multiplier must be at least 1, got 0.5");
        assertRejected(b -> b.multiplier(Double.NaN), "multiplier must be at least 1, got NaN");
        assertRejected(b -> b.jitter(-0.1), "jitter must be within 0..1, got -0.1");
        assertRejected(b -> b.jitter(1.5), "jitter must be within 0..1, got 1.5");
        assertRejected(b -> b.jitter(Double.NaN), "jitter must be within 0..1, got NaN");
        assertRejected(b -> b.maxRestarts(-1), "maxRestarts must not be negative, got -1");
        assertRejected(b -> b.window(Duration.ZERO), "window must be positive, got PT0S");
        assertRejected(b -> b.window(Duration.ofSeconds(-5)), "window must be positive, got PT-5S");
    }

    @Test
    void aMissingDurationIsNamed() {
        assertThatThrownBy(() -> RestartPolicy.builder().initialDelay(null))
                .isInstanceOf(NullPointerException.class).hasMessage("initialDelay");
        assertThatThrownBy(() -> RestartPolicy.builder().maxDelay(null))
                .isInstanceOf(NullPointerException.class).hasMessage("maxDelay");
        assertThatThrownBy(() -> RestartPolicy.builder().window(null))
                .isInstanceOf(NullPointerException.class).hasMessage("window");
    }

    @Test
    void theConstructorChecksTheSameWay() {
        RestartPolicy policy = new RestartPolicy(Duration.ZERO, Duration.ZERO, 1, 0, 0, Duration.ofDays(1));
        assertThat(policy).isEqualTo(RestartPolicy.NEVER);
        assertThatThrownBy(() -> new RestartPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0, 1,
                Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDelay must be at least initialDelay (PT2S), got PT1S");
        assertThatThrownBy(() -> new RestartPolicy(Duration.ZERO, Duration.ZERO, 1, 0, 1, null))
                .isInstanceOf(NullPointerException.class).hasMessage("window");
    }

    private static void assertRejected(UnaryOperator<RestartPolicy.Builder> change, String message) {
        RestartPolicy.Builder builder = change.apply(RestartPolicy.builder());
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
