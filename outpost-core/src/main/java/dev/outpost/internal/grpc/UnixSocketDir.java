package dev.outpost.internal.grpc;

import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The directory one side's Unix sockets live in, and who may open them: fresh socket names inside it,
 * and the mode each socket gets once bound (0600, or 0660 and a group's, as go-plugin's
 * {@code PLUGIN_UNIX_SOCKET_GROUP} asks). A directory this side made is private (0700, or 0770 and
 * the group's) and removed whole on {@link #close()}; a directory it was given (the host's
 * {@code PLUGIN_UNIX_SOCKET_DIR}) belongs to whoever made it, so only the sockets made here are
 * removed. Thread-safe. Used by host and plugin; not part of the public API.
 */
public final class UnixSocketDir implements AutoCloseable {

    /** A Unix socket path longer than this does not fit in {@code sockaddr_un} (108 bytes with its NUL on Linux). */
    public static final int MAX_SOCKET_PATH = 107;
    /**
     * Room kept for socket names in a directory: ours ({@code plugin-1234567890.sock}) and those of
     * other plugins the host may start in its directory (go-plugin's {@code plugin1234567890}, a
     * private subdirectory and a name inside it).
     */
    public static final int NAME_ROOM = 32;

    /** Directory names: not guessable ahead, as createTempDirectory's are not. */
    private static final SecureRandom NAMES = new SecureRandom();
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_DIR = PosixFilePermissions.fromString("rwxrwx---");
    private static final Set<PosixFilePermission> PRIVATE_SOCKET = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> GROUP_SOCKET = PosixFilePermissions.fromString("rw-rw----");

    private final Path path;
    private final boolean owned;
    private final SocketGroup group;
    private final Set<Path> sockets = ConcurrentHashMap.newKeySet();

    private UnixSocketDir(Path path, boolean owned, SocketGroup group) {
        this.path = path;
        this.owned = owned;
        this.group = group;
    }

    /**
     * Makes a fresh private directory {@code outpost-*} inside {@code parent}: 0700, or with a group
     * 0770 and owned by that group, so that its members can reach the sockets in it.
     *
     * @param group a group name or numeric gid, or null
     * @throws UserPrincipalNotFoundException when {@code group} names no group
     * @throws IOException                    when the directory cannot be made or given to the group;
     *                                        nothing is left behind
     */
    public static UnixSocketDir createPrivate(Path parent, String group) throws IOException {
        SocketGroup socketGroup = SocketGroup.of(parent, group);
        Path dir = createPrivateDirectory(parent);
        try {
            if (socketGroup != null) {
                socketGroup.apply(dir);
                Files.setPosixFilePermissions(dir, GROUP_DIR);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(dir);
            throw e;
        }
        return new UnixSocketDir(dir, true, socketGroup);
    }

    /**
     * A new directory {@code outpost-} and 8 random letters and digits inside {@code parent}, 0700: only
     * this user can reach what is inside. Short on purpose: a socket path must fit in 107 bytes, and the
     * plugins put a directory and a socket of their own inside (a Python gRPC plugin refuses a longer path
     * outright). {@code Files.createTempDirectory}'s names take 19 digits.
     */
    public static Path createPrivateDirectory(Path parent) throws IOException {
        if (!parent.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return Files.createTempDirectory(parent, "outpost-");
        }
        for (int attempt = 0; ; attempt++) {
            StringBuilder name = new StringBuilder("outpost-");
            for (int i = 0; i < 8; i++) {
                name.append(Character.forDigit(NAMES.nextInt(36), 36));
            }
            try {
                // Made with its mode, never widened afterwards: the umask can only narrow it.
                return Files.createDirectory(parent.resolve(name.toString()),
                        PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * Uses a directory someone else made and owns (a host's {@code PLUGIN_UNIX_SOCKET_DIR}): sockets are
     * made directly inside it, its own mode and group are left alone, and only the sockets made here are
     * removed.
     *
     * @throws IOException when it is not a directory, or {@code group} names no group
     */
    public static UnixSocketDir shared(Path dir, String group) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        return new UnixSocketDir(dir, false, SocketGroup.of(dir, group));
    }

    /** The directory. */
    public Path path() {
        return path;
    }

    /** The group sockets are given to, as configured (a name or a gid); null for none. */
    public String group() {
        return group == null ? null : group.spec();
    }

    /**
     * Whether socket names of up to {@link #NAME_ROOM} bytes fit under this directory in a Unix socket
     * address.
     */
    public boolean hasRoomForSockets() {
        return pathBytes(path) + 1 + NAME_ROOM <= MAX_SOCKET_PATH;
    }

    /**
     * A free socket address in the directory, named {@code <prefix><random>.sock}, for one listener.
     * The random part lets several processes share the directory; the name is remembered for
     * {@link #close()}.
     *
     * @throws IllegalStateException when the path would not fit in a Unix socket address
     */
    public DomainSocketAddress next(String prefix) {
        Path socket;
        do {
            socket = path.resolve(prefix + ThreadLocalRandom.current().nextLong(1_000_000_000L, 10_000_000_000L)
                    + ".sock").toAbsolutePath();
        } while (Files.exists(socket) || !sockets.add(socket));
        int bytes = pathBytes(socket);
        if (bytes > MAX_SOCKET_PATH) {
            sockets.remove(socket);
            throw new IllegalStateException("socket path " + socket + " is " + bytes + " bytes, longer than the "
                    + MAX_SOCKET_PATH + " that fit in a Unix socket address");
        }
        return new DomainSocketAddress(socket.toString());
    }

    /** Gives a socket that was just bound its mode: 0600, or 0660 and the group's. */
    public void restrict(Path socket) throws IOException {
        if (group == null) {
            Files.setPosixFilePermissions(socket, PRIVATE_SOCKET);
            return;
        }
        group.apply(socket);
        Files.setPosixFilePermissions(socket, GROUP_SOCKET);
    }

    /** Removes the directory with everything in it if it was made here, else only the sockets made here. */
    @Override
    public void close() {
        if (owned) {
            deleteRecursively(path);
            return;
        }
        for (Path socket : sockets) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // Nothing else to do: the host removes its directory after the plugin is gone.
            }
        }
        sockets.clear();
    }

    /** Removes {@code dir} and everything in it; true when nothing of it is left. */
    public static boolean deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(entry -> {
                try {
                    Files.deleteIfExists(entry);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static int pathBytes(Path path) {
        return path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * A group given as go-plugin takes it: a number is a gid (it need not have a name), anything else a
     * group name.
     */
    private record SocketGroup(String spec, Integer gid, GroupPrincipal principal) {

        static SocketGroup of(Path anyPath, String spec) throws IOException {
            if (spec == null || spec.isEmpty()) {
                return null;
            }
            if (spec.chars().allMatch(c -> c >= '0' && c <= '9')) {
                try {
                    return new SocketGroup(spec, Integer.valueOf(spec), null);
                } catch (NumberFormatException e) {
                    throw new UserPrincipalNotFoundException(spec);
                }
            }
            // Throws UserPrincipalNotFoundException for an unknown name.
            return new SocketGroup(spec, null, anyPath.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(spec));
        }

        void apply(Path file) throws IOException {
            try {
                if (gid != null) {
                    Files.setAttribute(file, "unix:gid", gid);
                } else {
                    Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(principal);
                }
            } catch (IOException e) {
                // Typically "Operation not permitted": only root and the group's members may give it files.
                throw new IOException("cannot give " + file + " to group " + spec + " (this user must be root "
                        + "or a member of it): " + e.getMessage(), e);
            }
        }
    }
}
