package dev.outpost.manager;

import dev.outpost.host.Container;
import dev.outpost.host.Limits;
import dev.outpost.host.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a manifest's {@code "limits"} into {@link Limits} and its {@code "sandbox"} into the {@link Sandbox}
 * its plugin runs in, checking them when the directory is read: limits within their ranges, and for paths: a writable path must stay inside the plugin's folder, through {@code ..} and
 * symbolic links alike, and every path must exist. A bad one fails that plugin alone, naming the key.
 */
final class Confinement {

    private static final Manifest.SandboxSpec DEFAULTS = new Manifest.SandboxSpec(false, List.of(), List.of());

    private Confinement() {
    }

    /**
     * {@code source} with its sandbox and limits, if it gets them; failed, with the reason naming the key, if
     * they are bad.
     */
    static PluginSource apply(PluginSource source, boolean sandboxAll) {
        Manifest.LimitsSpec limits = source.manifest().map(Manifest::limits).orElse(null);
        if (limits != null) {
            try {
                source = source.limited(limits(limits));
            } catch (IllegalArgumentException e) {
                return source.failed(PluginDirectory.MANIFEST + ": limits: " + e.getMessage());
            }
        }
        Manifest.ContainerSpec container = source.manifest().map(Manifest::container).orElse(null);
        if (container != null) {
            return contained(source, container, limits != null);
        }
        return sandboxed(source, sandboxAll);
    }

    /** {@code source} in its container; failed, naming the key, when the spec is bad or asks for more. */
    private static PluginSource contained(PluginSource source, Manifest.ContainerSpec spec, boolean limited) {
        if (source.manifest().map(Manifest::sandbox).isPresent()) {
            return source.failed(PluginDirectory.MANIFEST + ": \"sandbox\" and \"container\": a plugin runs in one "
                    + "of them, not both");
        }
        if (limited) {
            return source.failed(PluginDirectory.MANIFEST + ": \"limits\" do not reach into a container; give "
                    + "\"container.memoryMB\" and \"container.cpus\" instead");
        }
        if (spec.image() == null) {
            return source.failed(PluginDirectory.MANIFEST + ": \"container.image\" is required");
        }
        Container.Builder container = Container.builder().network(spec.network());
        try {
            container.image(spec.image());
        } catch (IllegalArgumentException e) {
            return source.failed(PluginDirectory.MANIFEST + ": \"container.image\": " + e.getMessage());
        }
        try {
            if (spec.memoryMB() != null) {
                container.memoryMB(spec.memoryMB());
            }
        } catch (IllegalArgumentException e) {
            return source.failed(PluginDirectory.MANIFEST + ": \"container.memoryMB\": " + e.getMessage());
        }
        try {
            if (spec.cpus() != null) {
                container.cpus(spec.cpus());
            }
        } catch (IllegalArgumentException e) {
            return source.failed(PluginDirectory.MANIFEST + ": \"container.cpus\": " + e.getMessage());
        }
        return source.confined(container.build());
    }

    private static Limits limits(Manifest.LimitsSpec spec) {
        Limits.Builder limits = Limits.builder();
        if (spec.memoryMB() != null) {
            limits.memoryMB(spec.memoryMB());
        }
        if (spec.processes() != null) {
            limits.processes(spec.processes());
        }
        if (spec.openFiles() != null) {
            limits.openFiles(spec.openFiles());
        }
        if (spec.cpuPercent() != null) {
            limits.cpuPercent(spec.cpuPercent());
        }
        return limits.build();
    }

    private static PluginSource sandboxed(PluginSource source, boolean sandboxAll) {
        Manifest.SandboxSpec spec = source.manifest().map(Manifest::sandbox).orElse(null);
        if (spec == null && !sandboxAll) {
            return source;
        }
        if (spec == null) {
            spec = DEFAULTS;
        }
        // A folder plugin's paths are relative to its folder; a file of the directory has none of its own.
        Path folder = source.kind() == PluginSource.Kind.FOLDER ? source.path() : source.workingDir();
        Sandbox.Builder sandbox = Sandbox.builder().network(spec.network());
        try {
            for (String writable : spec.writable()) {
                sandbox.writable(inside(folder, writable));
            }
            for (String readable : spec.readable()) {
                sandbox.readable(existing(folder, readable, "readable"));
            }
        } catch (IllegalArgumentException e) {
            return source.failed(PluginDirectory.MANIFEST + ": " + e.getMessage());
        }
        return source.confined(sandbox.build());
    }

    /** {@code path}, resolved in {@code folder}, once checked to be an existing path of that folder. */
    private static Path inside(Path folder, String path) {
        Path root = folder.toAbsolutePath().normalize();
        Path resolved = root.resolve(path).normalize();
        String key = "\"sandbox.writable\": \"" + path + "\"";
        if (!resolved.startsWith(root)) {
            throw new IllegalArgumentException(key + " is outside the plugin's folder " + root);
        }
        existing(folder, path, "writable");
        try {
            Path real = resolved.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new IllegalArgumentException(key + " leads outside the plugin's folder " + root
                        + " through a symbolic link (to " + real + ")");
            }
            return real;
        } catch (IOException e) {
            throw new IllegalArgumentException(key + " cannot be resolved: " + e.getMessage());
        }
    }

    private static Path existing(Path folder, String path, String key) {
        if (path.isBlank()) {
            throw new IllegalArgumentException("\"sandbox." + key + "\" has an empty path");
        }
        Path resolved = folder.toAbsolutePath().resolve(path).normalize();
        if (!Files.exists(resolved)) {
            throw new IllegalArgumentException("\"sandbox." + key + "\": \"" + path + "\" does not exist (" + resolved
                    + ")");
        }
        return resolved;
    }
}
