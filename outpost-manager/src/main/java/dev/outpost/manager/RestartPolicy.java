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

    /** Checks each value; a message names the field and the value it got. */
    public RestartPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(window, "window");
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must not be negative, got " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay must be at least initialDelay (" + initialDelay + "), got "
                    + maxDelay);
        }
        // Written as "not within" so that NaN fails too.
        if (!(multiplier >= 1)) {
            throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within 0..1, got " + jitter);
        }
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("maxRestarts must not be negative, got " + maxRestarts);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
    }

    /**
     * A policy built field by field, starting from {@link #DEFAULT}'s values:
     *
     * <pre>{@code
     * RestartPolicy policy = RestartPolicy.builder()
     *         .initialDelay(Duration.ofMillis(100))
     *         .maxRestarts(10)
     *         .build();
     * }</pre>
     */
    public static Builder builder() {
        return new Builder();
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

    /** Builds a {@link RestartPolicy}; each value left out is {@link #DEFAULT}'s. */
    public static final class Builder {
        private Duration initialDelay = DEFAULT.initialDelay();
        private Duration maxDelay = DEFAULT.maxDelay();
        private double multiplier = DEFAULT.multiplier();
        private double jitter = DEFAULT.jitter();
        private int maxRestarts = DEFAULT.maxRestarts();
        private Duration window = DEFAULT.window();

        private Builder() {
        }

        /** The delay before the first restart; default 200 ms. */
        public Builder initialDelay(Duration delay) {
            this.initialDelay = Objects.requireNonNull(delay, "initialDelay");
            return this;
        }

        /** The cap of the delay; default 30 s. */
        public Builder maxDelay(Duration delay) {
            this.maxDelay = Objects.requireNonNull(delay, "maxDelay");
            return this;
        }

        /** How much each restart in a row multiplies the delay, at least 1; default 2. */
        public Builder multiplier(double multiplier) {
            this.multiplier = multiplier;
            return this;
        }

        /** The random share of the delay, 0 to 1 (0.2 means ±20 %); default 0.2. */
        public Builder jitter(double jitter) {
            this.jitter = jitter;
            return this;
        }

        /** Restarts allowed within the {@link #window}; default 5. */
        public Builder maxRestarts(int restarts) {
            this.maxRestarts = restarts;
            return this;
        }

        /** The sliding window of {@link #maxRestarts}; default 10 minutes. */
        public Builder window(Duration window) {
            this.window = Objects.requireNonNull(window, "window");
            return this;
        }

        /**
         * The policy. Values are checked here, together, since {@code maxDelay} is checked against
         * {@code initialDelay} whatever order they were set in.
         *
         * @throws IllegalArgumentException naming the first field out of range and its value
         */
        public RestartPolicy build() {
            return new RestartPolicy(initialDelay, maxDelay, multiplier, jitter, maxRestarts, window);
        }
    }
}
