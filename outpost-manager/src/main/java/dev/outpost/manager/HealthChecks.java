package dev.outpost.manager;

import dev.outpost.PluginUnavailableException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health checks of one plugin's serving process: every {@link PluginManager.Builder#healthChecks
 * interval}, a ping; enough failures in a row and the process is declared dead.
 */
final class HealthChecks {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedPlugin.class);

    private final Supervisor supervisor;
    private final ManagerSettings settings;
    private final String id;
    /** Guarded by this. */
    private ScheduledFuture<?> running;

    HealthChecks(Supervisor supervisor, String id) {
        this.supervisor = supervisor;
        this.settings = supervisor.settings();
        this.id = id;
    }

    /** Checks {@code checked} from now on (unless checks are off); {@code dead} gets it and the reason. */
    synchronized void start(Generation checked, BiConsumer<Generation, String> dead) {
        cancel();
        Duration every = settings.healthCheckInterval;
        if (!every.isZero()) {
            running = supervisor.scheduleAtFixedRate(() -> check(checked, dead), every);
        }
    }

    synchronized void cancel() {
        if (running != null) {
            running.cancel(false);
            running = null;
        }
    }

    private void check(Generation checked, BiConsumer<Generation, String> dead) {
        try {
            checked.client.ping(settings.healthCheckTimeout);
            checked.answeredHealthCheck();
        } catch (PluginUnavailableException e) {
            if (checked.retired() != null) {
                return; // given up meanwhile: its failing checks are no news
            }
            int failures = checked.failedHealthCheck();
            LOG.warn("plugin '{}': health check failed: {}", id, e.getMessage());
            if (failures >= settings.healthCheckFailures) {
                dead.accept(checked, failures + " health checks in a row failed; last: " + e.getMessage());
            }
        }
    }
}
