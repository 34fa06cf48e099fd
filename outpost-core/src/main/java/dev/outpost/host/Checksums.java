package dev.outpost.host;

import dev.outpost.PluginStartException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * go-plugin's SecureConfig, with the time-of-check/time-of-use gap narrowed: the executable is
 * hashed while it is copied into the host's private directory, and the copy is what runs.
 */
final class Checksums {

    private Checksums() {
    }

    /**
     * Verifies the executable of {@code config}'s command and returns the path of a private,
     * read-and-execute-only copy of exactly the bytes that were verified, inside {@code privateDir}.
     *
     * @throws PluginStartException naming the file, the expected and the actual digest, when they differ
     *                              or the file cannot be read; the caller removes {@code privateDir}
     */
    static Path verifiedCopy(ClientConfig config, Path privateDir) {
        ClientConfig.Checksum checksum = config.checksum().orElseThrow();
        String program = config.command().get(0);
        String name = config.name();
        try {
            Path original = resolve(program, config.workingDirectory())
                    .orElseThrow(() -> new PluginStartException(name, "plugin '" + name + "': cannot verify the "
                            + "checksum of " + program + ": no such executable file"
                            + (program.contains("/") ? "" : " on PATH"), List.of(), null,
                            PluginStartException.Kind.CANNOT_EXECUTE));
            MessageDigest digest = MessageDigest.getInstance(checksum.algorithm());
            Path copy = privateDir.resolve(original.getFileName().toString());
            // Owner-only from creation: no other user can open the copy while it is written.
            try (InputStream in = Files.newInputStream(original);
                 OutputStream out = Channels.newOutputStream(Files.newByteChannel(copy,
                         Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                         PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
                byte[] buffer = new byte[64 * 1024];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    digest.update(buffer, 0, read);
                    out.write(buffer, 0, read);
                }
            }
            byte[] actual = digest.digest();
            if (!MessageDigest.isEqual(actual, checksum.expected())) {
                throw new PluginStartException(name, "plugin '" + name + "': checksum mismatch for " + original
                        + ": expected " + checksum.algorithm() + " " + HexFormat.of().formatHex(checksum.expected())
                        + ", actual " + HexFormat.of().formatHex(actual) + "; the plugin was not launched",
                        List.of(), null, PluginStartException.Kind.CHECKSUM_MISMATCH);
            }
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("r-x------"));
            PluginProcess.afterChecksumVerified.accept(original);
            return copy;
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new PluginStartException(name, "plugin '" + name + "': cannot verify the checksum of " + program
                    + ": " + e, List.of(), e);
        }
    }

    /** The file the operating system would run for {@code program}, looked up on PATH like ProcessBuilder does. */
    static Optional<Path> resolve(String program, Optional<Path> workingDirectory) {
        if (program.contains("/")) {
            Path path = Path.of(program);
            // A relative path is resolved in the child, after it changed to its working directory.
            Path absolute = path.isAbsolute() ? path
                    : workingDirectory.orElse(Path.of("")).toAbsolutePath().resolve(path);
            return Files.isRegularFile(absolute) ? Optional.of(absolute.normalize()) : Optional.empty();
        }
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            pathVariable = "/bin:/usr/bin";
        }
        for (String dir : pathVariable.split(":", -1)) {
            Path candidate = (dir.isEmpty() ? Path.of("") : Path.of(dir)).toAbsolutePath().resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }
}
