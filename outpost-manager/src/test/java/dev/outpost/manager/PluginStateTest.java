package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PluginStateTest {

    @Test
    void onlyTheDrawnMovesAreAllowed() {
        assertThat(PluginState.LOADING.canMoveTo(PluginState.STARTING)).isTrue();
        assertThat(PluginState.STARTING.canMoveTo(PluginState.RUNNING)).isTrue();
        assertThat(PluginState.RUNNING.canMoveTo(PluginState.CRASHED)).isTrue();
        assertThat(PluginState.RUNNING.canMoveTo(PluginState.RUNNING)).as("reload").isTrue();
        assertThat(PluginState.CRASHED.canMoveTo(PluginState.RESTARTING)).isTrue();
        assertThat(PluginState.RESTARTING.canMoveTo(PluginState.STARTING)).isTrue();
        assertThat(PluginState.CRASHED.canMoveTo(PluginState.FAILED)).isTrue();

        assertThat(PluginState.STOPPED.canMoveTo(PluginState.RUNNING)).as("must start first").isFalse();
        assertThat(PluginState.CRASHED.canMoveTo(PluginState.RUNNING)).as("must restart first").isFalse();
        assertThat(PluginState.FAILED.canMoveTo(PluginState.RUNNING)).isFalse();
        assertThat(PluginState.DISABLED.canMoveTo(PluginState.RUNNING)).isFalse();
        assertThat(PluginState.RUNNING.canMoveTo(PluginState.STOPPED)).as("stops through STOPPING").isFalse();
        assertThat(PluginState.LOADING.canMoveTo(PluginState.CRASHED)).isFalse();
        for (PluginState state : PluginState.values()) {
            assertThat(state.canMoveTo(PluginState.LOADING) && state == PluginState.RUNNING).isFalse();
        }
    }

    @Test
    void restartDelaysGrowWithJitterUpToTheCap() {
        RestartPolicy policy = RestartPolicy.builder().initialDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofSeconds(1)).multiplier(2).jitter(0.2).build();
        Random random = new Random(42);
        for (int i = 0; i < 100; i++) {
            assertThat(policy.delay(1, random).toMillis()).isBetween(80L, 120L);
            assertThat(policy.delay(3, random).toMillis()).isBetween(320L, 480L);
            assertThat(policy.delay(10, random).toMillis()).isBetween(800L, 1000L);
        }
    }

    @Test
    void restartsAreCountedInASlidingWindow() {
        RestartPolicy policy = RestartPolicy.builder().initialDelay(Duration.ZERO).maxDelay(Duration.ZERO)
                .maxRestarts(2).window(Duration.ofMinutes(1)).build();
        Deque<Instant> recent = new ArrayDeque<>();
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(policy.allowsRestart(recent, start)).isTrue();
        assertThat(policy.allowsRestart(recent, start.plusSeconds(10))).isTrue();
        assertThat(policy.allowsRestart(recent, start.plusSeconds(20))).as("third within a minute").isFalse();
        assertThat(policy.allowsRestart(new ArrayDeque<>(recent), start.plusSeconds(75))).as("old ones expired").isTrue();
        assertThat(RestartPolicy.NEVER.allowsRestart(new ArrayDeque<>(), start)).isFalse();
    }

    @Test
    void versionRanges() {
        VersionRange range = VersionRange.parse(">=1.2 <2.0.0");
        assertThat(range.contains("1.2.0")).isTrue();
        assertThat(range.contains("v1.9.9-beta")).isTrue();
        assertThat(range.contains("2.0.0")).isFalse();
        assertThat(range.contains("1.1.9")).isFalse();
        assertThat(VersionRange.parse("1.0").contains("1.0.0")).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VersionRange.parse(">= one"))
                .hasMessageContaining("cannot read version constraint");
    }
}
