package dev.outpost.manager;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** What the manager's tests share: a plugins directory, the manager's events, and the manager, closed after each test. */
abstract class ManagerTestSupport {

    @TempDir
    Path dir;

    final Events events = new Events();
    PluginManager manager;

    /** Builds and starts the manager, with {@link #events} listening. */
    PluginManager started(PluginManager.Builder builder) {
        manager = builder.listener(events).build();
        manager.start();
        return manager;
    }

    @AfterEach
    void closeManager() {
        if (manager != null) {
            manager.close();
        }
    }

    /** The reason of plugin {@code id}, which must fail as it is read, without a start. */
    String failedAtOnce(String id) {
        PluginEvent failed = events.await(id, PluginState.FAILED, 1);
        org.assertj.core.api.Assertions.assertThat(events.moves(id)).containsExactly("LOADING -> FAILED");
        return failed.reason();
    }

    PluginInfo info(String id) {
        return manager.plugin(id).orElseThrow();
    }
}
