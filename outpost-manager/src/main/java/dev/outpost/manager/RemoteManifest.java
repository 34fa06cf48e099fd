package dev.outpost.manager;

import dev.outpost.TlsFiles;
import dev.outpost.host.RemoteConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a manifest's {@code "remote"} into the {@link RemoteConfig} its plugin is reached with, checked when
 * the directory is read: an address {@code host:port}, the three TLS files (relative to the plugin's
 * folder, or absolute) existing and readable, a protocol version this host speaks, and none of the keys
 * that say how to launch or confine a process, which a plugin that runs elsewhere has no use for. A bad
 * one fails that plugin alone, naming the key.
 */
final class RemoteManifest {

    private RemoteManifest() {
    }

    /** {@code known}, reached at its {@code remote}; failed, naming the key, when that is bad. */
    static PluginSource source(PluginSource known, Manifest.RemoteSpec remote, Path folder) {
        Manifest manifest = known.manifest().orElseThrow();
        Map<String, Boolean> launchKeys = new LinkedHashMap<>();
        launchKeys.put("command", !manifest.command().isEmpty());
        launchKeys.put("jar", manifest.jar() != null);
        launchKeys.put("mainClass", manifest.mainClass() != null);
        launchKeys.put("classPath", !manifest.classPath().isEmpty());
        launchKeys.put("args", !manifest.args().isEmpty());
        launchKeys.put("env", !manifest.env().isEmpty());
        launchKeys.put("jvmOptions", !manifest.jvmOptions().isEmpty());
        launchKeys.put("sha256", manifest.sha256() != null);
        launchKeys.put("sandbox", manifest.sandbox() != null);
        launchKeys.put("limits", manifest.limits() != null);
        launchKeys.put("container", manifest.container() != null);
        for (Map.Entry<String, Boolean> key : launchKeys.entrySet()) {
            if (key.getValue()) {
                return known.failed(PluginDirectory.MANIFEST + ": a \"remote\" plugin runs elsewhere and is not "
                        + "launched by this host; \"" + key.getKey() + "\" has no meaning for it");
            }
        }
        if (remote.address() == null) {
            return known.failed(PluginDirectory.MANIFEST + ": \"remote.address\" is required (host:port)");
        }
        if (remote.tls() == null) {
            return known.failed(PluginDirectory.MANIFEST + ": \"remote.tls\" is required: {\"ca\": …, \"cert\": …, "
                    + "\"key\": …} (a remote plugin is reached over mutual TLS only)");
        }
        Path ca;
        Path cert;
        Path key;
        try {
            ca = file(folder, remote.tls().ca(), "ca");
            cert = file(folder, remote.tls().cert(), "cert");
            key = file(folder, remote.tls().key(), "key");
        } catch (IllegalArgumentException e) {
            return known.failed(PluginDirectory.MANIFEST + ": " + e.getMessage());
        }
        RemoteConfig config;
        try {
            config = RemoteConfig.of(remote.address(), TlsFiles.of(ca, cert, key));
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            // TlsFiles names the file; the key it came from is remote.tls.<which>.
            String where = message.startsWith("TLS ") ? "\"remote.tls\"" : "\"remote.address\"";
            return known.failed(PluginDirectory.MANIFEST + ": " + where + ": " + message);
        }
        if (remote.serverName() != null) {
            try {
                config = config.withServerName(remote.serverName());
            } catch (IllegalArgumentException e) {
                return known.failed(PluginDirectory.MANIFEST + ": \"remote.serverName\": " + e.getMessage());
            }
        }
        if (remote.protocolVersion() != null) {
            try {
                config = config.withProtocolVersion(remote.protocolVersion());
            } catch (IllegalArgumentException e) {
                return known.failed(PluginDirectory.MANIFEST + ": \"remote.protocolVersion\": " + e.getMessage());
            }
        }
        return known.reachedAt(config);
    }

    /** {@code path} of key {@code remote.tls.<key>}, resolved in {@code folder}, once checked to be a readable file. */
    private static Path file(Path folder, String path, String key) {
        String name = "\"remote.tls." + key + "\"";
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException(name + " is required: a PEM file, relative to the plugin's folder");
        }
        Path resolved = folder.toAbsolutePath().resolve(path).normalize();
        String problem = !Files.exists(resolved) ? "does not exist" : !Files.isRegularFile(resolved)
                ? "is not a regular file" : !Files.isReadable(resolved) ? "is not readable" : null;
        if (problem != null) {
            throw new IllegalArgumentException(name + ": \"" + path + "\" " + problem + " (" + resolved + ")");
        }
        return resolved;
    }
}
