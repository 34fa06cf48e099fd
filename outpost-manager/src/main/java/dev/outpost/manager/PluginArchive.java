package dev.outpost.manager;

import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.internal.PrivateDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A {@code .zip} of a plugin folder in the plugins directory, unpacked into a private cache directory
 * under a name made of the zip's name and the SHA-256 of its bytes: the same zip is unpacked once, a
 * changed one into a folder of its own, so a plugin still running from the old folder keeps its jars.
 * A folder is unpacked beside its final name and renamed into place, so a half-unpacked folder is never
 * run, and only once it has a {@code plugin.json}: a zip that is not a plugin leaves nothing behind. The zip holds the folder's files at its top ({@code plugin.json}, {@code lib/…}) or inside one
 * folder ({@code amazing/plugin.json}, as {@code zip -r} of a folder makes).
 */
final class PluginArchive {

    /** Past this many bytes unpacked, a zip is refused: a few bytes of zip can unpack into terabytes. */
    static final long MAX_UNPACKED_BYTES = 1L << 30;

    private PluginArchive() {
    }

    /** Why a zip cannot be used as a plugin folder; its message is the reason the plugin fails with. */
    static final class BadArchiveException extends Exception {
        private static final long serialVersionUID = 1L;

        BadArchiveException(String message) {
            super(message);
        }
    }

    /**
     * The folder, inside {@code cache}, that holds {@code zip}'s {@code plugin.json}, unpacked now unless
     * this very zip was unpacked before.
     */
    static Path unpack(Path zip, Path cache) throws BadArchiveException {
        String name = zip.getFileName().toString();
        try {
            Optional<String> problem = PrivateDirectory.problem(cache);
            if (problem.isPresent()) {
                throw new BadArchiveException("cannot unpack " + name + ": " + problem.get());
            }
            String base = name.substring(0, name.length() - ".zip".length()).replaceAll("[^A-Za-z0-9._-]", "_");
            String staged = "." + base + "." + UUID.randomUUID();
            // Hashed as it is copied, and the copy is what is unpacked: a zip rewritten meanwhile cannot
            // put other bytes under this digest's name.
            Path copy = cache.resolve(staged + ".zip");
            Path staging = cache.resolve(staged + ".part");
            try {
                Path target = cache.resolve(base + "-" + HexFormat.of().formatHex(copyHashed(zip, copy), 0, 12));
                if (Files.isDirectory(target)) {
                    return target.resolve(manifestRoot(target, name));
                }
                extract(copy, staging, name);
                Path root = manifestRoot(staging, name);
                moveIntoPlace(staging, target);
                return target.resolve(root);
            } finally {
                Files.deleteIfExists(copy);
                deleteTree(staging);
            }
        } catch (ZipException e) {
            throw new BadArchiveException(name + " is not a readable zip: " + e.getMessage());
        } catch (IOException e) {
            throw new BadArchiveException("cannot unpack " + name + " into " + cache + ": " + e);
        }
    }

    private static void extract(Path zip, Path staging, String name) throws IOException, BadArchiveException {
        Files.createDirectory(staging);
        long total = 0;
        byte[] buffer = new byte[65536];
        // ZipFile, not ZipInputStream: it reads the central directory, so a truncated zip is refused whole.
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            if (archive.size() == 0) {
                throw new BadArchiveException(name + " is an empty zip");
            }
            for (ZipEntry entry : Collections.list(archive.entries())) {
                Path file = inside(staging, entry.getName(), name);
                if (entry.isDirectory()) {
                    Files.createDirectories(file);
                    continue;
                }
                Files.createDirectories(file.getParent());
                try (InputStream in = archive.getInputStream(entry); OutputStream out = Files.newOutputStream(file)) {
                    for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                        total += read;
                        if (total > MAX_UNPACKED_BYTES) {
                            throw new BadArchiveException(name + " unpacks to more than "
                                    + (MAX_UNPACKED_BYTES >> 20) + " MB");
                        }
                        out.write(buffer, 0, read);
                    }
                }
            }
        }
    }

    /** Where an entry goes; an entry naming a place outside the folder is an attack or a broken zip. */
    private static Path inside(Path staging, String entryName, String name) throws BadArchiveException {
        Path file = staging.resolve(entryName).normalize();
        if (entryName.startsWith("/") || entryName.contains("\\") || !file.startsWith(staging) || file.equals(staging)) {
            throw new BadArchiveException(name + ": entry \"" + entryName
                    + "\" would be unpacked outside the plugin's folder");
        }
        return file;
    }

    private static void moveIntoPlace(Path staging, Path target) throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
            // Another manager unpacked the same bytes first: its folder is as good as this one.
            if (!Files.isDirectory(target)) {
                throw raced;
            }
        } catch (IOException e) {
            // Linux reports a rename onto a non-empty directory as "Directory not empty".
            if (!Files.isDirectory(target)) {
                throw e;
            }
        }
    }

    /** Where, relative to {@code folder}, the unpacked zip has its {@code plugin.json}. */
    private static Path manifestRoot(Path folder, String zipName) throws IOException, BadArchiveException {
        if (Files.isRegularFile(folder.resolve(PluginDirectory.MANIFEST))) {
            return Path.of("");
        }
        List<Path> top;
        try (Stream<Path> children = Files.list(folder)) {
            top = children.toList();
        }
        if (top.size() == 1 && Files.isRegularFile(top.get(0).resolve(PluginDirectory.MANIFEST))) {
            return top.get(0).getFileName();
        }
        throw new BadArchiveException(zipName + " has no " + PluginDirectory.MANIFEST
                + " at its top or inside its only folder");
    }

    /** Copies {@code from} to a new file {@code to}, owner-only, and returns the SHA-256 of the bytes copied. */
    private static byte[] copyHashed(Path from, Path to) throws IOException {
        try (InputStream in = Files.newInputStream(from);
             OutputStream out = Channels.newOutputStream(Files.newByteChannel(to,
                     Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
            MessageDigest digest = sha256();
            byte[] buffer = new byte[65536];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
                out.write(buffer, 0, read);
            }
            return digest.digest();
        }
    }

    /** The SHA-256 of a file's bytes. */
    static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = sha256();
            byte[] buffer = new byte[65536];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
            return digest.digest();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!UnixSocketDir.deleteRecursively(root)) {
            throw new IOException("cannot remove " + root);
        }
    }
}
