package dev.outpost.host;

import dev.outpost.internal.PrivateDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command that runs a Java plugin in its own JVM, with JVM options made for a small plugin process
 * and class data sharing (AppCDS) set up by itself: the first start of a plugin records the classes it
 * loaded into an archive when it stops cleanly, and every later start maps them instead of loading and
 * verifying them again (the benchmark's Java plugin: 527 ms without, 226 ms with, on 2 cores; see
 * benchmarks/results). Pass it to {@link ClientConfig.Builder#command(JavaCommand)}.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.builder()
 *         .handshake(HANDSHAKE)
 *         .command(JavaCommand.jar(Path.of("plugins/thermostat.jar")).build())
 *         .plugin("thermostat", Thermostat.class)
 *         .build();
 * }</pre>
 *
 * <p>Archives live in {@link #defaultCacheDirectory()} unless told otherwise, one per plugin jar, JDK
 * and JVM options; a changed jar, JDK (its module image or its own base archives) or option gets a new
 * archive and the plugin's older ones are removed. The directory must belong to this user and be
 * writable by nobody else (it is created 0700): the JVM maps an archive's classes without verifying
 * them again. A class path with a directory in it cannot be archived (a JDK limit); such a command
 * runs without an archive. JVM warnings go to the plugin's stderr, never to stdout, where the host
 * expects the handshake.
 */
public final class JavaCommand {

    /**
     * JVM options for a plugin process when none are given: the serial collector and the fewest compiler
     * threads tiered compilation allows (one C1, one C2), a heap that starts at 8 MB and grows as needed (the
     * JVM's own default commits 1/64 of the machine's memory up front), and gRPC's Netty buffers allocated
     * per read instead of pooled in 2 MB chunks per thread. The benchmark's idle plugin: 60 MB with these and
     * class data sharing, 90 MB with the JVM's defaults and none. C2 is what brings a Java plugin's answers
     * near a Go plugin's: a Go host's {@code Get} took 1.16x go-plugin's own time with it and 1.70x with C1
     * alone ({@code -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1}), which saves about 3 MB and a fifth of
     * the time to start many plugins at once (benchmarks/README.md): plugins that are rarely called can choose it.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-XX:CICompilerCount=2", "-Xss512k", "-Xms8m",
            "-Dio.grpc.netty.useCustomAllocator=false", "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled");

    /**
     * Keeps stdout clean for the handshake: JVM warnings go to stderr alone. The archive's own messages
     * are not the plugin's business: recording one warns of every JFR event class it skips (a plugin
     * that checks a certificate loads some), at each clean stop and failed start. Each {@code -Xlog}
     * option configures one output, so the archive's tags are turned off in stderr's own selection.
     */
    private static final List<String> LOGGING = List.of(
            "-Xlog:disable", "-Xlog:all=warning,cds=off,cds+dynamic=off:stderr");

    /** An archive being written by a JVM of another host is left alone for this long before it is retried. */
    private static final Duration PART_EXPIRY = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(JavaCommand.class);

    /** Archives being recorded by plugins of this host: two first starts of one jar record it once. */
    private static final Set<String> RECORDING = ConcurrentHashMap.newKeySet();

    private final Path java;
    private final List<String> jvmOptions;
    private final List<Path> classPath;
    private final Optional<String> mainClass;
    private final List<String> args;
    private final Optional<Path> cacheDirectory;

    private JavaCommand(Builder builder) {
        this.java = builder.java;
        this.jvmOptions = builder.jvmOptions;
        this.classPath = builder.classPath;
        this.mainClass = Optional.ofNullable(builder.mainClass);
        this.args = List.copyOf(builder.args);
        this.cacheDirectory = Optional.ofNullable(builder.cacheDirectory);
    }

    /** A plugin packaged as an executable jar ({@code java -jar}). */
    public static Builder jar(Path jar) {
        return new Builder(List.of(jar.toAbsolutePath().normalize()), null);
    }

    /** A plugin run by its main class from a class path of jars ({@code java -cp … mainClass}). */
    public static Builder mainClass(List<Path> classPath, String mainClass) {
        if (classPath.isEmpty()) {
            throw new IllegalArgumentException("classPath must not be empty");
        }
        return new Builder(classPath.stream().map(path -> path.toAbsolutePath().normalize()).toList(),
                ClientConfig.Builder.requireText(mainClass, "mainClass"));
    }

    /** {@code $XDG_CACHE_HOME/outpost/cds}, or {@code ~/.cache/outpost/cds}. */
    public static Path defaultCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("outpost").resolve("cds");
    }

    /** The command without any archive option, as shown in logs and errors. */
    public List<String> command() {
        return command(List.of());
    }

    /** Where archives are kept, or empty when class data sharing is off. */
    public Optional<Path> cacheDirectory() {
        return cacheDirectory;
    }

    /** The JVM options, before the class path. */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /** The jars or directories of its class path. */
    List<Path> classPath() {
        return classPath;
    }

    /** The JDK its {@code java} belongs to (the directory above its {@code bin}), following links. */
    Path javaHome() {
        try {
            Path bin = java.toRealPath().getParent();
            if (bin != null && bin.getParent() != null) {
                return bin.getParent();
            }
        } catch (IOException e) {
            LOG.debug("{}: cannot resolve {}: {}", this, java, e.toString());
        }
        return Path.of(System.getProperty("java.home"));
    }

    /** The jar's file name without {@code .jar}, or the main class's simple name. */
    String defaultName() {
        if (mainClass.isPresent()) {
            return mainClass.get().substring(mainClass.get().lastIndexOf('.') + 1);
        }
        String file = classPath.get(0).getFileName().toString();
        return file.endsWith(".jar") ? file.substring(0, file.length() - 4) : file;
    }

    @Override
    public String toString() {
        return String.join(" ", command());
    }

    private List<String> command(List<String> archiveOptions) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(LOGGING);
        command.addAll(jvmOptions);
        command.addAll(archiveOptions);
        if (mainClass.isPresent()) {
            command.add("-cp");
            command.add(String.join(":", classPath.stream().map(Path::toString).toList()));
            command.add(mainClass.get());
        } else {
            command.add("-jar");
            command.add(classPath.get(0).toString());
        }
        command.addAll(args);
        return List.copyOf(command);
    }

    /**
     * The command for one start, and what to do when that process exits: with the archive when there is
     * one; otherwise recording it, unless another start is already doing so.
     */
    Launch prepare() {
        if (cacheDirectory.isEmpty()) {
            return new Launch(command(), status -> { });
        }
        Optional<Archive> archive = archive(cacheDirectory.get());
        if (archive.isEmpty()) {
            return new Launch(command(), status -> { });
        }
        Archive target = archive.get();
        if (Files.isRegularFile(target.file())) {
            LOG.debug("{}: class data from {}", this, target.file());
            return new Launch(command(List.of("-XX:SharedArchiveFile=" + target.file())), status -> { });
        }
        if (!RECORDING.add(target.file().toString())) {
            return new Launch(command(), status -> { });
        }
        if (target.recordedElsewhere()) {
            RECORDING.remove(target.file().toString());
            return new Launch(command(), status -> { });
        }
        Path part = target.file().resolveSibling(target.file().getFileName() + "." + UUID.randomUUID() + ".part");
        LOG.debug("{}: recording its class data into {} when it stops", this, target.file());
        return new Launch(command(List.of("-XX:ArchiveClassesAtExit=" + part)), status -> {
            try {
                target.complete(part, status);
            } finally {
                RECORDING.remove(target.file().toString());
            }
        });
    }

    /** The archive for this command, or empty when it cannot have one (see the class comment). */
    private Optional<Archive> archive(Path directory) {
        try {
            Optional<String> problem = PrivateDirectory.problem(directory);
            if (problem.isPresent()) {
                LOG.warn("not using class data sharing: {}", problem.get());
                return Optional.empty();
            }
            MessageDigest key = MessageDigest.getInstance("SHA-256");
            // The JDK: its binary, its module image (replaced by every JDK update) and its own base archives,
            // which a plugin's archive extends. A base archive can be regenerated without a JDK update (a
            // package's install script, "java -Xshare:dump"); the JVM then refuses the plugin's archive, and
            // says so only in the CDS log that plugins run without, so every start would go without.
            Path realJava = java.toRealPath();
            Path home = realJava.getParent().getParent();
            update(key, realJava.toString());
            update(key, stamp(home.resolve("lib").resolve("modules")));
            for (Path base : baseArchives(home)) {
                update(key, base.toString());
                update(key, stamp(base));
            }
            jvmOptions.forEach(option -> update(key, option));
            for (Path entry : classPath) {
                if (Files.isDirectory(entry)) {
                    LOG.debug("{}: no class data sharing, {} is a directory", this, entry);
                    return Optional.empty();
                }
                update(key, entry.toString());
                update(key, stamp(entry));
            }
            mainClass.ifPresent(name -> update(key, name));
            String digest = HexFormat.of().formatHex(key.digest(), 0, 10);
            Path first = classPath.get(0);
            String family = first.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                    + HexFormat.of().formatHex(sha256(first.toString()), 0, 4) + "-";
            return Optional.of(new Archive(directory, family, directory.resolve(family + digest + ".jsa")));
        } catch (IOException | NoSuchAlgorithmException e) {
            LOG.debug("{}: no class data sharing: {}", this, e.toString());
            return Optional.empty();
        }
    }

    /** The JDK's default CDS archives ({@code lib/<vm>/classes*.jsa}), in a stable order; none when it has none. */
    static List<Path> baseArchives(Path javaHome) throws IOException {
        Path lib = javaHome.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return List.of();
        }
        List<Path> archives = new ArrayList<>();
        try (Stream<Path> vms = Files.list(lib)) {
            for (Path vm : vms.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> files = Files.list(vm)) {
                    files.filter(file -> file.getFileName().toString().matches("classes.*\\.jsa"))
                            .filter(Files::isRegularFile).sorted().forEach(archives::add);
                }
            }
        }
        return archives;
    }

    private static String stamp(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return attributes.size() + "@" + attributes.lastModifiedTime().toMillis();
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private static byte[] sha256(String text) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** One start's command, and what runs with its exit status once the process is gone. */
    record Launch(List<String> command, IntConsumer exited) {
    }

    /** A plugin's archive: {@code family} is the same for every version of one plugin jar. */
    private record Archive(Path directory, String family, Path file) {

        /** Whether a JVM of another host is recording this archive now (or the directory cannot be read). */
        boolean recordedElsewhere() {
            Instant expiry = Instant.now().minus(PART_EXPIRY);
            try (DirectoryStream<Path> parts = Files.newDirectoryStream(directory, file.getFileName() + ".*.part")) {
                for (Path part : parts) {
                    if (Files.getLastModifiedTime(part).toInstant().isAfter(expiry)) {
                        return true;
                    }
                    Files.deleteIfExists(part);
                }
                return false;
            } catch (IOException e) {
                LOG.debug("cannot list {}: {}", directory, e.toString());
                return true;
            }
        }

        /** The JVM wrote the archive as it exited; only a clean exit's archive is complete. */
        void complete(Path part, int status) {
            try {
                if (status != 0 || !Files.isRegularFile(part) || Files.size(part) == 0) {
                    LOG.debug("no class data archive from the plugin's exit with status {}", status);
                    Files.deleteIfExists(part);
                    return;
                }
                try {
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
                }
                LOG.debug("class data archive {} recorded", file);
                try (DirectoryStream<Path> older = Files.newDirectoryStream(directory, family + "*.jsa")) {
                    for (Path archive : older) {
                        if (!archive.equals(file)) {
                            Files.deleteIfExists(archive);
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debug("class data archive {} not kept: {}", file, e.toString());
            }
        }
    }

    /** Builds a {@link JavaCommand}. */
    public static final class Builder {
        private final List<Path> classPath;
        private final String mainClass;
        private Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private final List<String> args = new ArrayList<>();
        private Path cacheDirectory = defaultCacheDirectory();

        private Builder(List<Path> classPath, String mainClass) {
            this.classPath = List.copyOf(classPath);
            this.mainClass = mainClass;
        }

        /** The {@code java} to run; default the host's own. */
        public Builder java(Path java) {
            this.java = Objects.requireNonNull(java, "java");
            return this;
        }

        /** Replaces {@link #DEFAULT_JVM_OPTIONS} (e.g. a manifest's {@code -Xmx512m}). */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** Adds arguments for the plugin's {@code main}. */
        public Builder args(String... args) {
            return args(List.of(args));
        }

        /** Adds arguments for the plugin's {@code main}. */
        public Builder args(List<String> args) {
            this.args.addAll(args);
            return this;
        }

        /** Where to keep class data archives; default {@link #defaultCacheDirectory()}. */
        public Builder classDataSharing(Path cacheDirectory) {
            this.cacheDirectory = Objects.requireNonNull(cacheDirectory, "cacheDirectory");
            return this;
        }

        /** Starts the plugin without class data sharing. */
        public Builder noClassDataSharing() {
            this.cacheDirectory = null;
            return this;
        }

        public JavaCommand build() {
            return new JavaCommand(this);
        }
    }
}
