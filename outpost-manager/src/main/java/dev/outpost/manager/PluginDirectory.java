package dev.outpost.manager;

import dev.outpost.host.JavaCommand;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a plugins directory. Each entry is a plugin: an executable file; a {@code .jar}, run with
 * the host's own {@code java}; a folder with a {@code plugin.json}; or a {@code .zip} of such a folder,
 * unpacked into a private cache directory (see {@link PluginArchive}). Hidden entries are skipped
 * quietly; every other entry that is not a plugin (a file that is not executable, a folder without a
 * manifest, a broken link or a symlink loop, something unreadable) is reported once at WARN with the
 * reason. A plugin whose manifest is bad is returned with the reason, so that one bad plugin never
 * stops the others from loading.
 */
final class PluginDirectory {

    static final String MANIFEST = "plugin.json";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(PluginDirectory.class);
    /**
     * Where skipped entries are reported: its own name, so that a host (and {@code outpost run}) can show
     * these warnings while keeping the rest of the manager quiet.
     */
    static final String REPORT_LOGGER = "outpost.directory";
    private static final Logger REPORT = LoggerFactory.getLogger(REPORT_LOGGER);
    /** A misspelt field must not be silently ignored. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final Path directory;
    private final HandshakeConfig handshake;
    private final Set<Integer> protocolVersions;
    private final String hostVersion;
    private final List<String> defaultJvmOptions;
    private final Path classDataCache;
    private final Path unpackCache;
    private final boolean manifestCookies;
    private final boolean sandboxAll;
    /** Entries reported as skipped, with the reason given: each is reported once. */
    private final Map<Path, String> skipped = new ConcurrentHashMap<>();

    PluginDirectory(Path directory, HandshakeConfig handshake, Set<Integer> protocolVersions, String hostVersion,
                    List<String> defaultJvmOptions, Path classDataCache, Path unpackCache, boolean manifestCookies,
                    boolean sandboxAll) {
        // Absolute: plugins are launched with their own folder as working directory.
        this.directory = directory.toAbsolutePath().normalize();
        this.handshake = handshake;
        this.protocolVersions = protocolVersions;
        this.hostVersion = hostVersion;
        this.defaultJvmOptions = defaultJvmOptions;
        this.classDataCache = classDataCache;
        this.unpackCache = unpackCache;
        this.manifestCookies = manifestCookies;
        this.sandboxAll = sandboxAll;
    }

    Path directory() {
        return directory;
    }

    /**
     * Every plugin entry of the directory, each with the id it claims: two entries may claim the same
     * one (see {@link DirectoryListing}).
     */
    List<PluginSource> scan() throws IOException {
        List<PluginSource> sources = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : entries.sorted().toList()) {
                read(entry).ifPresent(sources::add);
            }
        }
        return sources;
    }

    /**
     * Reads one entry; empty when it is not a plugin (or is gone). A skipped entry is reported at WARN on
     * {@link #REPORT_LOGGER}, once: reading it again for the same reason says nothing more.
     */
    Optional<PluginSource> read(Path entry) {
        String name = entry.getFileName().toString();
        if (name.startsWith(".")) {
            // Not a warning: hidden names are how deployments stage files before renaming them into place.
            LOG.debug("skipping hidden entry {}", entry);
            return Optional.empty();
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(entry, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (!Files.isSymbolicLink(entry)) {
                skipped.remove(entry); // gone: should it come back with the same problem, say so again
                return Optional.empty();
            }
            return skip(entry, "broken symlink to " + linkTarget(entry));
        } catch (AccessDeniedException e) {
            return skip(entry, "unreadable: permission denied");
        } catch (IOException e) {
            return skip(entry, Files.isSymbolicLink(entry) && symlinkLoop(entry)
                    ? "symlink loop (" + entry.getFileName() + " -> " + linkTarget(entry) + ")"
                    : "unreadable: " + why(e));
        }
        Optional<PluginSource> plugin;
        if (attributes.isDirectory()) {
            Path manifest = entry.resolve(MANIFEST);
            try {
                if (!Files.readAttributes(manifest, BasicFileAttributes.class).isRegularFile()) {
                    return skip(entry, "folder whose " + MANIFEST + " is not a regular file");
                }
            } catch (NoSuchFileException e) {
                return skip(entry, "folder without " + MANIFEST);
            } catch (AccessDeniedException e) {
                return skip(entry, "unreadable: permission denied to read " + manifest);
            } catch (IOException e) {
                return skip(entry, "unreadable: cannot read " + manifest + ": " + why(e));
            }
            plugin = Optional.of(folder(entry, entry, PluginSource.Kind.FOLDER, fingerprint(manifest)));
        } else if (!attributes.isRegularFile()) {
            return skip(entry, "neither a regular file nor a folder");
        } else if (name.endsWith(".jar")) {
            String id = name.substring(0, name.length() - 4);
            JavaCommand java = javaCommand(entry, defaultJvmOptions, List.of());
            plugin = Optional.of(checked(new PluginSource(id, entry, PluginSource.Kind.JAR, Optional.empty(),
                    java.command(), Optional.of(java), directory, Map.of(), Optional.empty(), Optional.empty(),
                    fingerprint(entry))));
        } else if (name.endsWith(".zip")) {
            plugin = Optional.of(zip(entry));
        } else if (Files.isExecutable(entry)) {
            int dot = name.lastIndexOf('.');
            String id = dot > 0 ? name.substring(0, dot) : name;
            plugin = Optional.of(checked(new PluginSource(id, entry, PluginSource.Kind.EXECUTABLE, Optional.empty(),
                    List.of(entry.toString()), Optional.empty(), directory, Map.of(), Optional.empty(), Optional.empty(),
                    fingerprint(entry))));
        } else {
            return skip(entry, "not executable (and not a .jar, a .zip or a folder with " + MANIFEST + ")");
        }
        skipped.remove(entry);
        return plugin;
    }

    private Optional<PluginSource> skip(Path entry, String reason) {
        // A watched folder that keeps changing (say, 10,000 files being copied into it) is read again
        // after each change: one line per entry and reason, not one per read.
        if (!reason.equals(skipped.put(entry, reason))) {
            REPORT.warn("skipping {}: {}", entry, reason);
        }
        return Optional.empty();
    }

    /** What went wrong, without the path that the line names already. */
    private static String why(IOException e) {
        return e instanceof FileSystemException failure && failure.getReason() != null ? failure.getReason() : e.toString();
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Whether following {@code link} comes back to a link already followed. */
    private static boolean symlinkLoop(Path link) {
        Set<Path> seen = new HashSet<>();
        Path at = link.toAbsolutePath().normalize();
        // The kernel gives up after 40 links too (ELOOP), loop or not.
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(at); hops++) {
            if (!seen.add(at)) {
                return true;
            }
            try {
                at = at.resolveSibling(Files.readSymbolicLink(at)).normalize();
            } catch (IOException e) {
                return false;
            }
        }
        return Files.isSymbolicLink(at);
    }

    /** A zip of a plugin folder: the folder it unpacks to, listed under the zip's path. */
    private PluginSource zip(Path zip) {
        try {
            return folder(zip, PluginArchive.unpack(zip, unpackCache), PluginSource.Kind.ZIP, fingerprint(zip));
        } catch (PluginArchive.BadArchiveException e) {
            return new PluginSource(zip.getFileName().toString(), zip, PluginSource.Kind.ZIP, Optional.empty(),
                    List.of(), Optional.empty(), directory, Map.of(), Optional.empty(), Optional.of(e.getMessage()),
                    fingerprint(zip));
        }
    }

    /**
     * A plugin folder, read from {@code root}'s manifest and listed under {@code entry} (the folder itself,
     * or the zip it was unpacked from).
     */
    private PluginSource folder(Path entry, Path root, PluginSource.Kind kind, String entryFingerprint) {
        Path manifestFile = root.resolve(MANIFEST);
        PluginSource unreadable = new PluginSource(entry.getFileName().toString(), entry, kind, Optional.empty(),
                List.of(), Optional.empty(), root, Map.of(), Optional.empty(), Optional.empty(), entryFingerprint);
        Manifest manifest;
        try {
            manifest = JSON.readValue(manifestFile.toFile(), Manifest.class);
        } catch (JacksonException e) {
            String field = e.getPath().stream()
                    .map(step -> step.getPropertyName() != null ? step.getPropertyName() : "[" + step.getIndex() + "]")
                    .collect(java.util.stream.Collectors.joining("."));
            return unreadable.failed("invalid " + MANIFEST + ": " + (field.isEmpty() ? "" : "field \"" + field + "\": ")
                    + e.getOriginalMessage() + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        }
        if (manifest == null) {
            return unreadable.failed(MANIFEST + " is empty");
        }
        if (manifest.id() == null || manifest.id().isBlank()) {
            return unreadable.failed(MANIFEST + " has no \"id\"");
        }
        if (!ID.matcher(manifest.id()).matches()) {
            return unreadable.failed(MANIFEST + ": id \"" + manifest.id()
                    + "\" must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        PluginSource known = new PluginSource(manifest.id(), entry, kind, Optional.of(manifest),
                List.of(), Optional.empty(), root, manifest.env(), Optional.empty(), Optional.empty(), entryFingerprint);
        if (manifest.remote() != null) {
            return checked(RemoteManifest.source(known, manifest.remote(), root));
        }
        boolean hasCommand = !manifest.command().isEmpty();
        boolean hasJar = manifest.jar() != null && !manifest.jar().isBlank();
        boolean hasMainClass = manifest.mainClass() != null && !manifest.mainClass().isBlank();
        if ((hasCommand ? 1 : 0) + (hasJar ? 1 : 0) + (hasMainClass ? 1 : 0) != 1) {
            return known.failed(MANIFEST + " must give exactly one of \"command\", \"jar\" and \"mainClass\"");
        }
        if (hasMainClass != !manifest.classPath().isEmpty()) {
            return known.failed(MANIFEST + ": " + (hasMainClass
                    ? "\"mainClass\" needs a \"classPath\": the jars to run it from, relative to the folder"
                    : "\"classPath\" goes with \"mainClass\" only"));
        }
        if (manifest.container() != null) {
            // The command runs in the image: nothing of it is on this host to resolve or to check.
            if (!hasCommand) {
                return known.failed(MANIFEST + ": a \"container\" plugin's \"command\" is what runs in its image; "
                        + "\"jar\" and \"mainClass\" name files of this host");
            }
            if (manifest.sha256() != null) {
                return known.failed(MANIFEST + ": a \"container\" plugin is pinned by its image's digest; \"sha256\" "
                        + "checks a file of this host");
            }
            List<String> inImage = new ArrayList<>(manifest.command());
            inImage.addAll(manifest.args());
            return checked(new PluginSource(manifest.id(), entry, kind, Optional.of(manifest), List.copyOf(inImage),
                    Optional.empty(), root, manifest.env(), Optional.empty(), Optional.empty(), entryFingerprint));
        }
        List<String> jvmOptions = manifest.jvmOptions().isEmpty() ? defaultJvmOptions : manifest.jvmOptions();
        StringBuilder fingerprint = new StringBuilder(entryFingerprint);
        List<String> command = new ArrayList<>();
        Path program = null;
        JavaCommand java = null;
        if (hasMainClass) {
            List<Path> classPath = new ArrayList<>();
            for (String element : manifest.classPath()) {
                Path resolved = root.resolve(element).normalize();
                if (!Files.exists(resolved)) {
                    return known.failed(MANIFEST + ": class path entry " + resolved + " does not exist");
                }
                classPath.add(resolved);
                fingerprint.append('+').append(fingerprint(resolved));
            }
            java = configured(JavaCommand.mainClass(classPath, manifest.mainClass()), jvmOptions, manifest.args());
            command.addAll(java.command());
        } else if (hasJar) {
            program = root.resolve(manifest.jar()).normalize();
            java = javaCommand(program, jvmOptions, manifest.args());
            command.addAll(java.command());
        } else {
            String first = manifest.command().get(0);
            Path local = root.resolve(first).normalize();
            boolean inFolder = first.contains("/") || Files.exists(local);
            program = inFolder ? local : null;
            command.add(inFolder ? local.toString() : first);
            command.addAll(manifest.command().subList(1, manifest.command().size()));
            command.addAll(manifest.args());
        }
        if (program != null && !Files.isRegularFile(program)) {
            return known.failed(MANIFEST + ": " + (hasJar ? "jar " : "command ") + program + " does not exist");
        }
        if (program != null && kind == PluginSource.Kind.FOLDER) {
            fingerprint.append('+').append(fingerprint(program));
        }
        PluginSource source = new PluginSource(manifest.id(), entry, kind, Optional.of(manifest),
                List.copyOf(command), Optional.ofNullable(java), root, manifest.env(), Optional.ofNullable(program),
                Optional.empty(), fingerprint.toString());
        return checked(source);
    }

    /** Checks what a manifest promises against this host and the files. */
    PluginSource checked(PluginSource source) {
        if (source.manifest().isEmpty()) {
            return Confinement.apply(source, sandboxAll);
        }
        Manifest manifest = source.manifest().get();
        if (!manifest.protocolVersions().isEmpty()
                && manifest.protocolVersions().stream().noneMatch(protocolVersions::contains)) {
            return source.failed("speaks protocol versions " + manifest.protocolVersions() + ", but this host speaks "
                    + protocolVersions.stream().sorted().toList());
        }
        if (manifest.magicCookie() != null) {
            Optional<HandshakeConfig> cookie = handshakeOf(handshake, manifest);
            if (cookie.isEmpty()) {
                return source.failed(MANIFEST + ": \"magicCookie\" must be KEY=VALUE, got \"" + manifest.magicCookie() + "\"");
            }
            if (!manifestCookies && !cookie.get().equals(handshake)) {
                // Started anyway, the plugin would refuse the host's cookie and exit: say why before that.
                return source.failed("made for another host: its magic cookie is " + manifest.magicCookie()
                        + ", this host's is " + handshake.magicCookieKey() + "=" + handshake.magicCookieValue());
            }
        }
        if (manifest.requires() != null && !manifest.requires().isBlank()) {
            try {
                if (!VersionRange.parse(manifest.requires()).contains(hostVersion)) {
                    return source.failed("requires host version " + manifest.requires() + ", but this host is "
                            + hostVersion);
                }
            } catch (IllegalArgumentException e) {
                return source.failed(MANIFEST + ": \"requires\": " + e.getMessage());
            }
        }
        if (manifest.sha256() != null) {
            if (!SHA256.matcher(manifest.sha256()).matches()) {
                return source.failed(MANIFEST + ": \"sha256\" must be 64 hex digits");
            }
            if (source.checked().isEmpty()) {
                return source.failed(MANIFEST + ": \"sha256\" needs a command inside the plugin folder or a jar");
            }
            String problem = checksumProblem(source.checked().get(), manifest.sha256());
            if (problem != null) {
                return source.failed(problem);
            }
        }
        // A remote plugin runs elsewhere: nothing here to confine (its manifest has no "sandbox" or "limits").
        return source.remote().isPresent() ? source : Confinement.apply(source, sandboxAll);
    }

    /** Null when {@code file} has the SHA-256 {@code expected}, else what is wrong. */
    static String checksumProblem(Path file, String expected) {
        try {
            byte[] actual = PluginArchive.sha256(file);
            if (!MessageDigest.isEqual(actual, HexFormat.of().parseHex(expected.toLowerCase(Locale.ROOT)))) {
                return "checksum mismatch for " + file + ": expected sha256 " + expected.toLowerCase(Locale.ROOT)
                        + ", got " + HexFormat.of().formatHex(actual);
            }
            return null;
        } catch (IOException e) {
            return "cannot read " + file + " to check its checksum: " + e.getMessage();
        }
    }

    static String fingerprint(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.size() + "@" + attributes.lastModifiedTime().toMillis() + "#" + attributes.fileKey();
        } catch (IOException e) {
            return "missing";
        }
    }

    private JavaCommand javaCommand(Path jar, List<String> jvmOptions, List<String> args) {
        return configured(JavaCommand.jar(jar), jvmOptions, args);
    }

    private JavaCommand configured(JavaCommand.Builder java, List<String> jvmOptions, List<String> args) {
        java.jvmOptions(jvmOptions).args(args);
        return (classDataCache != null ? java.classDataSharing(classDataCache) : java.noClassDataSharing()).build();
    }

    HandshakeConfig handshake() {
        return handshake;
    }

    /** {@code host}'s handshake with the manifest's magic cookie, if it gives a well-formed one. */
    static Optional<HandshakeConfig> handshakeOf(HandshakeConfig handshake, Manifest manifest) {
        String cookie = manifest.magicCookie();
        int equals = cookie == null ? -1 : cookie.indexOf('=');
        if (equals <= 0 || equals == cookie.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(HandshakeConfig.of(handshake.protocolVersion(), cookie.substring(0, equals),
                cookie.substring(equals + 1)));
    }

}
