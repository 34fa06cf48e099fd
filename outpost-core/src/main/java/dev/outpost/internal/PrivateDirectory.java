package dev.outpost.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * A directory whose contents a host runs or maps without checking them again (class data archives,
 * unpacked plugin archives): only this user may write it, or anyone could put code into a plugin.
 * Not part of the API.
 */
public final class PrivateDirectory {

    private PrivateDirectory() {
    }

    /**
     * Creates {@code directory} 0700 (its parents as usual) if it does not exist; then, empty when it is a
     * directory of this user that nobody else can write, else what is wrong with it.
     *
     * @param directory the directory
     * @return why it cannot be used, or empty
     * @throws IOException when it cannot be created or read
     */
    public static Optional<String> problem(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(directory.toAbsolutePath().getParent());
            try {
                Files.createDirectory(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException raced) {
                // another host created it: checked below like any existing directory
            }
        }
        PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> permissions = attributes.permissions();
        String user = System.getProperty("user.name");
        boolean ours = attributes.isDirectory()
                && attributes.owner().getName().equals(user)
                && !permissions.contains(PosixFilePermission.GROUP_WRITE)
                && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
        return ours ? Optional.empty()
                : Optional.of(directory + " must be a directory of " + user + " that only its owner can write");
    }
}
