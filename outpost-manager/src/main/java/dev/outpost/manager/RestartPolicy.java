package dev.outpost.manager;

import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When to restart a crashed plugin: after an exponentially growing delay with jitter, capped; and
 * not more than {@code maxRestarts} times within {@code window}, after which the plugin is FAILED
 * until restarted or enabled by hand. The decisions are pure functions of their inputs.
 *
 * @param initialDelay the delay before the first restart
 * @param maxDelay     the cap of the delay
 * @param multiplier   how much each restart in a row multiplies the delay
 * @param jitter       the random share of the delay, 0 to 1: 0.2 means ±20 %
 * @param maxRestarts  restarts allowed within {@code window}
 * @param window       the sliding window of {@code maxRestarts}
 */
public record RestartPolicy(Duration initialDelay, Duration maxDelay, double multiplier, double jitter,
                            int maxRestarts, Duration window) {

    /** 200 ms doubling up to 30 s, ±20 %, at most 5 restarts in 10 minutes. */
    public static final RestartPolicy DEFAULT = new RestartPolicy(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0,
            0.2, 5, Duration.ofMinutes(10));

    /** Never restart: a crash leaves the plugin FAILED. */
    public static final RestartPolicy NEVER = new RestartPolicy(Duration.ZERO, Duration.ZERO, 1, 0, 0,
            Duration.ofDays(1));

    public RestartPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(window, "window");
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay, got " + initialDelay + ", " + maxDelay);
        }
        if (multiplier < 1) {
            throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within 0..1, got " + jitter);
        }
        if (maxRestarts < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("need maxRestarts >= 0 and a positive window");
        }
    }

    /** The delay before restart number {@code attempt} (1 for the first), jittered with {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        double base = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxDelay.toMillis());
        double spread = capped * jitter * (2 * random.nextDouble() - 1);
        return Duration.ofMillis(Math.max(0, Math.round(Math.min(capped + spread, maxDelay.toMillis()))));
    }

    /**
     * Records a crash at {@code now} in {@code recent} (the crash times so far, oldest first; times
     * outside the window are dropped) and says whether another restart is allowed.
     */
    public boolean allowsRestart(Deque<Instant> recent, Instant now) {
        Instant horizon = now.minus(window);
        while (!recent.isEmpty() && recent.peekFirst().isBefore(horizon)) {
            recent.removeFirst();
        }
        recent.addLast(now);
        return recent.size() <= maxRestarts;
    }
}
