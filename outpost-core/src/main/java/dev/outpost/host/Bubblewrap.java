package dev.outpost.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code bwrap} command line of a {@link Sandbox}: what the plugin sees, in mount order. */
final class Bubblewrap {

    /**
     * The system's own directories, shown read-only: programs, libraries and configuration, but not the
     * users' files ({@code /home}, {@code /root}, {@code /srv}, {@code /var}...). Missing ones are skipped.
     */
    static final List<String> SYSTEM = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
            "/etc");

    private Bubblewrap() {
    }

    static List<String> command(Path bwrap, Sandbox sandbox, Runner.Launch launch) {
        List<String> command = new ArrayList<>(List.of(bwrap.toString(),
                // Killed when the host dies, even by SIGKILL; its own session, so it cannot push input
                // into the host's terminal; every namespace of its own but for the network when allowed.
                "--die-with-parent", "--new-session", "--unshare-all"));
        if (sandbox.network()) {
            command.add("--share-net");
        }
        command.addAll(List.of("--cap-drop", "ALL"));
        for (String dir : SYSTEM) {
            command.addAll(List.of("--ro-bind-try", dir, dir));
        }
        // /tmp first: the user's paths below may be inside the host's /tmp and are mounted over it.
        command.addAll(List.of("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
        List<Path> readOnly = new ArrayList<>(launch.inputs());
        launch.workingDirectory().ifPresent(readOnly::add);
        readOnly.addAll(sandbox.readable());
        for (Path path : readOnly) {
            bind(command, "--ro-bind", path);
        }
        for (Path path : sandbox.writable()) {
            bind(command, "--bind", path);
        }
        bind(command, "--bind", launch.socketDirectory());
        launch.workingDirectory().ifPresent(dir -> command.addAll(List.of("--chdir", dir.toAbsolutePath().toString())));
        command.add("--");
        command.addAll(launch.command());
        return command;
    }

    /**
     * Shows {@code path} at its own place; a symbolic link is followed, and its target shown at its own
     * place too, so that what the link names resolves inside the sandbox as outside.
     */
    private static void bind(List<String> command, String how, Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (SYSTEM.stream().anyMatch(dir -> absolute.startsWith(dir)) && !how.equals("--bind")) {
            return; // already there, read-only
        }
        command.addAll(List.of(how, absolute.toString(), absolute.toString()));
        try {
            Path real = absolute.toRealPath();
            if (!real.equals(absolute)) {
                command.addAll(List.of(how, real.toString(), real.toString()));
            }
        } catch (IOException e) {
            // A path that does not exist: bwrap says so when it fails to mount it.
        }
    }
}
