package dev.outpost.interop;

import dev.outpost.host.PluginClient;
import dev.outpost.internal.yamux.YamuxStreamAddress;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code java-kv-host --mux}: the plugin must have answered {@code true} to multiplexing (the start fails
 * otherwise), its callbacks to the host must arrive as streams of the host's own connection to the
 * plugin's socket, and the host must listen on no socket at all (checked by the kernel's word: the
 * listening sockets among this process's file descriptors, from {@code /proc}).
 */
final class MuxCheck implements ServerInterceptor {

    private final List<SocketAddress> callbacks = new CopyOnWriteArrayList<>();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        callbacks.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        return next.startCall(call, headers);
    }

    /** What was checked, or an {@link IllegalStateException} saying what was not multiplexed. */
    String verify(PluginClient plugin, int expectedCallbacks) {
        if (!plugin.handshake().multiplex().orElse(false) || !plugin.broker().isMultiplexed()) {
            throw new IllegalStateException("not multiplexed: the plugin answered " + plugin.handshake().multiplex()
                    + " and the broker is " + (plugin.broker().isMultiplexed() ? "" : "not ") + "multiplexed");
        }
        String socket = plugin.handshake().address();
        List<String> problems = new ArrayList<>();
        if (callbacks.size() != expectedCallbacks) {
            problems.add(callbacks.size() + " callbacks arrived, expected " + expectedCallbacks);
        }
        for (SocketAddress from : callbacks) {
            if (!(from instanceof YamuxStreamAddress stream) || !sameEndpoint(stream.connection(), socket)) {
                problems.add("a callback arrived from " + from + ", not over the host's connection to " + socket);
            }
        }
        int listening = listeningSockets();
        if (listening > 0) {
            problems.add("the host listens on " + listening + " socket(s)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("not multiplexed as go-plugin does it: " + String.join("; ", problems));
        }
        return "multiplexed: one connection to " + socket + (expectedCallbacks > 0 ? ", " + callbacks.size()
                + " callbacks as yamux streams of it" : "") + ", no listener of the host's";
    }

    private static boolean sameEndpoint(SocketAddress connection, String handshakeAddress) {
        if (connection instanceof DomainSocketAddress unix) {
            return unix.path().equals(handshakeAddress);
        }
        return connection instanceof InetSocketAddress inet
                && handshakeAddress.endsWith(":" + inet.getPort());
    }

    /** How many listening Unix or TCP sockets this process holds, from {@code /proc/self/fd} and {@code /proc/net}. */
    static int listeningSockets() {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
            int listening = 0;
            // /proc/net/unix: Num RefCount Protocol Flags Type St Inode [Path]; flag 0x10000 is a listening socket.
            for (String line : rows("/proc/net/unix")) {
                String[] fields = line.trim().split("\\s+");
                if ((Long.parseLong(fields[3], 16) & 0x10000) != 0 && inodes.contains(fields[6])) {
                    listening++;
                }
            }
            // /proc/net/tcp{,6}: sl local remote st ... inode; state 0A is LISTEN.
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                if (!Files.exists(Path.of(table))) {
                    continue;
                }
                for (String line : rows(table)) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields[3].equals("0A") && inodes.contains(fields[9])) {
                        listening++;
                    }
                }
            }
            return listening;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this process's sockets from /proc", e);
        }
    }

    /** A /proc table's rows, without its heading. */
    private static List<String> rows(String table) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(table));
        return lines.subList(Math.min(1, lines.size()), lines.size());
    }
}
