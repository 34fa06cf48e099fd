package dev.outpost.interop;

import com.google.protobuf.ByteString;
import dev.outpost.PluginException;
import dev.outpost.host.PluginClient;
import dev.outpost.host.PluginExit;
import dev.outpost.interop.proto.AddHelperGrpc;
import dev.outpost.interop.proto.CounterGetRequest;
import dev.outpost.interop.proto.CounterGrpc;
import dev.outpost.interop.proto.CounterPutRequest;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.interop.proto.SumRequest;
import dev.outpost.interop.proto.SumResponse;
import dev.outpost.Network;
import io.grpc.Channel;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What {@code java-kv-host} checks on a plugin, one step per option. Each step returns what it saw for
 * the PASS line, or throws an {@link IllegalStateException} saying what was wrong (the FAIL line).
 */
final class KvChecks {

    /** How long a line the plugin prints may take to reach the host, and a crashed plugin to be seen exiting. */
    static final long WAIT_SECONDS = 5;

    private KvChecks() {
    }

    /** {@code Put("hello","world")}, then {@code Get("hello")} must be {@code "world"}. */
    static String kv(Channel channel) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        kv.put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build());
        String value = kv.get(GetRequest.newBuilder().setKey("hello").build()).getValue().toStringUtf8();
        if (!value.equals("world")) {
            throw new IllegalStateException("Get(\"hello\") returned \"" + value + "\", expected \"world\"");
        }
        return "kv: Put/Get hello=\"world\"";
    }

    /**
     * {@code Put("c",5)} and {@code Put("c",7)}, each with the host's AddHelper served on a fresh broker id
     * (as go-plugin's bidirectional example host does) and stopped once the Put returns; then
     * {@code Get("c")} must be 12 after exactly two Sum calls on the host.
     */
    static String counter(PluginClient plugin, Channel channel, List<ServerInterceptor> watchers) {
        CounterGrpc.CounterBlockingStub counter = CounterGrpc.newBlockingStub(channel);
        AtomicInteger sums = new AtomicInteger();
        ServerServiceDefinition helper = new AddHelperGrpc.AddHelperImplBase() {
            @Override
            public void sum(SumRequest request, StreamObserver<SumResponse> response) {
                sums.incrementAndGet();
                response.onNext(SumResponse.newBuilder().setR(request.getA() + request.getB()).build());
                response.onCompleted();
            }
        }.bindService();
        helper = ServerInterceptors.intercept(helper, watchers);
        List<Integer> ids = new ArrayList<>();
        for (long value : new long[] {5, 7}) {
            int id = plugin.broker().nextId();
            ids.add(id);
            try (AutoCloseable server = plugin.broker().acceptAndServe(id, List.of(helper))) {
                counter.put(CounterPutRequest.newBuilder().setAddServer(id).setKey("c").setValue(value).build());
            } catch (IllegalStateException | PluginException | StatusRuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("stopping the AddHelper server of broker id " + id + ": "
                        + e.getMessage(), e);
            }
        }
        long value = counter.get(CounterGetRequest.newBuilder().setKey("c").build()).getValue();
        if (value != 12 || sums.get() != 2) {
            throw new IllegalStateException("counter c=" + value + " after Put 5 and 7 with " + sums.get()
                    + " Sum calls on the host; expected 12 with 2 calls");
        }
        return "counter: c=12 after Put 5+7, Sum calls on the host=2, broker ids=" + ids.stream()
                .map(String::valueOf).collect(Collectors.joining(","));
    }

    /**
     * Round-trips a value of {@code mebibytes} MiB with deterministic content under the key {@code big}.
     */
    static String big(Channel channel, int mebibytes) {
        byte[] bytes = new byte[mebibytes << 20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 13));
        }
        ByteString sent = ByteString.copyFrom(bytes);
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        kv.put(PutRequest.newBuilder().setKey("big").setValue(sent).build());
        ByteString received = kv.get(GetRequest.newBuilder().setKey("big").build()).getValue();
        if (!received.equals(sent)) {
            int at = 0;
            while (at < Math.min(sent.size(), received.size()) && sent.byteAt(at) == received.byteAt(at)) {
                at++;
            }
            throw new IllegalStateException("Get(\"big\") returned " + received.size() + " bytes that differ from the "
                    + sent.size() + " put, from byte " + at);
        }
        return "big: Put/Get of " + mebibytes + " MiB (" + sent.size() + " bytes) round-tripped";
    }

    /**
     * {@code Get(key)} with a 1 s deadline must fail with DEADLINE_EXCEEDED (the plugin hangs on it, as
     * {@code KV_HANG_ON} asks), and the plugin must still serve Put/Get afterwards.
     */
    static String hang(Channel channel, String key) {
        try {
            KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().setKey(key).build());
            throw new IllegalStateException("Get(\"" + key + "\") answered, although " + KvPlugin.HANG_ON
                    + " asks the plugin to hang on it");
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                throw new IllegalStateException("Get(\"" + key + "\") with a 1 s deadline failed with "
                        + e.getStatus() + ", expected DEADLINE_EXCEEDED", e);
            }
        }
        return "hang: Get(\"" + key + "\") failed DEADLINE_EXCEEDED after 1 s, then " + kv(channel);
    }

    /**
     * {@code Get(key)} must fail with UNAVAILABLE saying the plugin exited (it crashes on it, as
     * {@code KV_CRASH_ON} asks), and {@link PluginClient#onExit()} must complete within 5 s, with status 2
     * when the exit status is known. The last step: the plugin is gone after it.
     */
    static String crash(PluginClient plugin, Channel channel, String key) {
        String description;
        try {
            KVGrpc.newBlockingStub(channel).get(GetRequest.newBuilder().setKey(key).build());
            throw new IllegalStateException("Get(\"" + key + "\") answered, although " + KvPlugin.CRASH_ON
                    + " asks the plugin to exit on it");
        } catch (StatusRuntimeException e) {
            description = String.valueOf(e.getStatus().getDescription());
            if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || !description.contains("exited")) {
                throw new IllegalStateException("Get(\"" + key + "\") failed with " + e.getStatus()
                        + ", expected UNAVAILABLE saying the plugin exited", e);
            }
        }
        PluginExit exit;
        try {
            exit = plugin.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("onExit() did not complete within " + WAIT_SECONDS + " s of the crash");
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("waiting for the plugin's exit: " + e, e);
        }
        // -1: the status is not known (a process that is not this host's child).
        if (exit.exitCode() != -1 && exit.exitCode() != KvPlugin.CRASH_STATUS) {
            throw new IllegalStateException("the plugin " + exit.describe() + ", expected status "
                    + KvPlugin.CRASH_STATUS);
        }
        return "crash: Get(\"" + key + "\") failed UNAVAILABLE (" + description + "), onExit(): " + exit.describe();
    }

    /** Collects what the plugin streams through go-plugin's stdio service, for {@code --stdio-test}. */
    static final class Stdio {
        private static final String STDOUT = "kv-print stdout: put key=hello bytes=5";
        private static final String STDERR = "kv-print stderr: put key=hello bytes=5";

        private final CountDownLatch stdout = new CountDownLatch(1);
        private final CountDownLatch stderr = new CountDownLatch(1);
        private final List<String> misplaced = new java.util.concurrent.CopyOnWriteArrayList<>();

        /** For {@code syncStdout}. */
        void stdout(String line) {
            seen(line, STDOUT, stdout, STDERR);
        }

        /** For {@code syncStderr}. */
        void stderr(String line) {
            seen(line, STDERR, stderr, STDOUT);
        }

        private void seen(String line, String expected, CountDownLatch latch, String other) {
            if (line.equals(expected)) {
                latch.countDown();
            } else if (line.equals(other)) {
                misplaced.add(line);
            }
        }

        /** After {@code Put("hello","world")}: both lines must arrive, each on its own channel, within 5 s. */
        String verify() {
            await(stdout, STDOUT, "syncStdout");
            await(stderr, STDERR, "syncStderr");
            if (!misplaced.isEmpty()) {
                throw new IllegalStateException("the stdio service swapped channels: " + misplaced);
            }
            return "stdio: \"" + STDOUT + "\" came through the stdio service's stdout, \"" + STDERR
                    + "\" through its stderr";
        }

        private static void await(CountDownLatch latch, String line, String tap) {
            try {
                if (!latch.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("\"" + line + "\" did not reach the host through the stdio "
                            + "service (" + tap + ") within " + WAIT_SECONDS + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** {@code --socket-dir DIR}: the plugin's socket must be inside DIR, and nothing of it left after shutdown. */
    static final class SocketDir {
        private final Path dir;
        private final Set<Path> before;

        /** Takes note of what DIR holds before the plugin starts. */
        SocketDir(Path dir) {
            this.dir = dir.toAbsolutePath().normalize();
            this.before = Files.isDirectory(dir) ? contents() : Set.of();
        }

        String socketInside(PluginClient plugin) {
            Path socket = unixSocket(plugin);
            if (!socket.toAbsolutePath().normalize().startsWith(dir)) {
                throw new IllegalStateException("the plugin's socket " + socket + " is not inside " + dir);
            }
            return "socket-dir: the plugin's socket " + socket + " is inside " + dir;
        }

        String nothingLeft() {
            Set<Path> left = contents();
            left.removeAll(before);
            if (!left.isEmpty()) {
                throw new IllegalStateException(dir + " still holds " + left.stream().sorted().toList()
                        + " after the plugin's shutdown");
            }
            return "nothing of it left in " + dir;
        }

        private Set<Path> contents() {
            try (Stream<Path> paths = Files.walk(dir)) {
                return paths.filter(path -> !path.equals(dir)).collect(Collectors.toSet());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@code --socket-group GROUP}: the plugin's socket must be the group's (a name or a gid) and 0660. */
    static String socketGroup(PluginClient plugin, String group) {
        Path socket = unixSocket(plugin);
        try {
            PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
            boolean gid = group.chars().allMatch(c -> c >= '0' && c <= '9');
            String actual = gid ? String.valueOf(Files.getAttribute(socket, "unix:gid")) : attributes.group().getName();
            String mode = PosixFilePermissions.toString(attributes.permissions());
            if (!actual.equals(group) || !mode.equals("rw-rw----")) {
                throw new IllegalStateException("the plugin's socket " + socket + " has group " + actual + " and mode "
                        + mode + ", expected group " + group + " and rw-rw----");
            }
            return "socket-group: the plugin's socket is rw-rw---- and group " + group;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the attributes of the plugin's socket " + socket + ": " + e, e);
        }
    }

    private static Path unixSocket(PluginClient plugin) {
        if (plugin.handshake().network() != Network.UNIX) {
            throw new IllegalStateException("the plugin listens on " + plugin.handshake().network().wireName() + " "
                    + plugin.handshake().address() + ", not on a Unix socket");
        }
        return Path.of(plugin.handshake().address());
    }
}
