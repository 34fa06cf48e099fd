package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What the runners that start a program of the host's ({@link Sandbox}, {@link Container}) share. */
final class Runners {

    private Runners() {
    }

    /** The first executable {@code name} on {@code PATH}. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** A launch the runner will not start, and why: {@code plugin '<name>': <reason>}. */
    static PluginStartException refused(Runner.Launch launch, Kind kind, String reason) {
        return new PluginStartException(launch.pluginName(), "plugin '" + launch.pluginName() + "': " + reason,
                List.of(), null, kind);
    }
}
