package dev.outpost.manager;

import dev.outpost.host.JavaCommand;
import dev.outpost.host.Limits;
import dev.outpost.host.RemoteConfig;
import dev.outpost.host.Runner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of the plugins directory, read: how to run it, or why it cannot be run.
 *
 * @param id          the plugin's id
 * @param path        the directory entry
 * @param kind        what kind of entry it is
 * @param manifest    its {@code plugin.json}, for a folder or zip plugin
 * @param command     the command line to launch it
 * @param java        the same for a jar plugin, with its class data sharing
 * @param workingDir  the directory to launch it in
 * @param env         extra environment variables
 * @param checked     the file whose checksum the manifest gives, if it gives one
 * @param error       why it cannot run, if it cannot
 * @param fingerprint what changes when the plugin's files change
 * @param runner      where it runs, when not as a plain child process: a sandbox or a container
 * @param limits      its resource limits, if it has any
 * @param remote      where it is served, for a remote plugin: then nothing is launched
 */
record PluginSource(String id, Path path, Kind kind, Optional<Manifest> manifest, List<String> command,
                    Optional<JavaCommand> java, Path workingDir, Map<String, String> env, Optional<Path> checked, Optional<String> error,
                    String fingerprint, Optional<Runner> runner, Optional<Limits> limits,
                    Optional<RemoteConfig> remote) {

    /** An entry that runs unconfined until {@link #confined} says otherwise. */
    PluginSource(String id, Path path, Kind kind, Optional<Manifest> manifest, List<String> command,
                 Optional<JavaCommand> java, Path workingDir, Map<String, String> env, Optional<Path> checked,
                 Optional<String> error, String fingerprint) {
        this(id, path, kind, manifest, command, java, workingDir, env, checked, error, fingerprint, Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** The kinds of directory entries that are plugins. */
    enum Kind {
        /** An executable file, run as it is. */
        EXECUTABLE,
        /** A {@code .jar}, run with the host's {@code java -jar}. */
        JAR,
        /** A folder with a {@code plugin.json}. */
        FOLDER,
        /** A {@code .zip} of such a folder, run from where it was unpacked. */
        ZIP
    }

    /**
     * Whether {@link #id} is one the entry claims (an executable's or jar's name, a manifest's id), rather
     * than the folder name that a folder whose manifest gives no usable id is listed under.
     */
    boolean claimsId() {
        return (kind != Kind.FOLDER && kind != Kind.ZIP) || manifest.isPresent();
    }

    PluginSource renamed(String newId) {
        return new PluginSource(newId, path, kind, manifest, command, java, workingDir, env, checked, error, fingerprint,
                runner, limits, remote);
    }

    PluginSource failed(String reason) {
        return new PluginSource(id, path, kind, manifest, command, java, workingDir, env, checked, Optional.of(reason),
                fingerprint, runner, limits, remote);
    }

    PluginSource confined(Runner confinement) {
        return new PluginSource(id, path, kind, manifest, command, java, workingDir, env, checked, error, fingerprint,
                Optional.of(confinement), limits, remote);
    }

    PluginSource limited(Limits resources) {
        return new PluginSource(id, path, kind, manifest, command, java, workingDir, env, checked, error, fingerprint,
                runner, Optional.of(resources), remote);
    }

    /** This entry, reached at {@code where} instead of launched. */
    PluginSource reachedAt(RemoteConfig where) {
        return new PluginSource(id, path, kind, manifest, command, java, workingDir, env, checked, error, fingerprint,
                runner, limits, Optional.of(where));
    }
}
