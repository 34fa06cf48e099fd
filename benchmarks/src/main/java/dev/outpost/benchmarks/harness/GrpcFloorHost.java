package dev.outpost.benchmarks.harness;

import com.google.protobuf.ByteString;
import dev.outpost.interop.KvHost;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor under any Java host built on grpc-java: {@code GrpcFloorHost --bench N [--bench-par P[,P...]] --
 * CMD [ARGS...]} launches a go-plugin {@code proto.KV} plugin (cookie {@code BASIC_PLUGIN=hello}, protocol
 * version 1, Unix socket), reads its handshake line, and calls it through a bare grpc-java channel (Netty's
 * epoll transport, one event loop, grpc-java's defaults otherwise): the same {@code Get}s, warm-ups and
 * {@code BENCH get} lines as {@code java-kv-host --bench} ({@link KvHost.Bench#latency}). None of Outpost's
 * host side runs: no client configuration, handshake checks, health check, log records (the plugin's stderr
 * is read and dropped), deadlines, crash watch or controller. The harness runs it beside the Java host, so the
 * difference between the two is what Outpost's host side costs per call.
 */
public final class GrpcFloorHost {

    private GrpcFloorHost() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int calls = 0;
        List<Integer> parallel = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i += 2) {
            if (i + 1 >= args.length) {
                usage("missing value after " + args[i]);
            }
            switch (args[i]) {
                case "--bench" -> calls = Integer.parseInt(args[i + 1]);
                case "--bench-par" -> Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).forEach(parallel::add);
                default -> usage("unknown option " + args[i]);
            }
        }
        List<String> command = i < args.length ? List.of(args).subList(i + 1, args.length) : List.of();
        if (calls <= 0 || command.isEmpty()) {
            usage("--bench N and a plugin command after -- are required");
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("BASIC_PLUGIN", "hello");
        builder.environment().put("PLUGIN_PROTOCOL_VERSIONS", "1");
        Process plugin = builder.start();
        try {
            drain(plugin.getErrorStream(), "grpc-floor-host-stderr");
            BufferedReader stdout = new BufferedReader(new InputStreamReader(plugin.getInputStream(), StandardCharsets.UTF_8));
            String handshake = stdout.readLine();
            String[] parts = handshake == null ? new String[0] : handshake.split("\\|");
            if (parts.length < 5 || !parts[2].equals("unix") || !parts[4].equals("grpc")) {
                throw new IllegalStateException("expected a handshake line core|app|unix|path|grpc, got: " + handshake);
            }
            drain(plugin.getInputStream(), "grpc-floor-host-stdout");
            System.out.println(bench(parts[3], calls, parallel));
        } finally {
            plugin.destroy();
            if (!plugin.waitFor(5, TimeUnit.SECONDS)) {
                plugin.destroyForcibly().waitFor();
            }
        }
    }

    private static String bench(String socket, int calls, List<Integer> parallel) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class)
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext().build();
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            kv.put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build());
            GetRequest request = GetRequest.newBuilder().setKey("hello").build();
            Runnable get = () -> {
                if (kv.get(request).getValue().size() != 5) {
                    throw new IllegalStateException("Get(\"hello\") did not return the 5 bytes put");
                }
            };
            for (int w = 0; w < KvHost.Bench.WARM_UP; w++) {
                get.run();
            }
            StringBuilder out = new StringBuilder(KvHost.Bench.latency(1, calls, get));
            for (int p : parallel) {
                KvHost.Bench.latency(p, KvHost.Bench.WARM_UP, get);
                out.append('\n').append(KvHost.Bench.latency(p, calls, get));
            }
            return out.append("\nPASS bench proto.KV through a bare grpc-java channel: ").append(calls)
                    .append(" Gets per run").toString();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully().syncUninterruptibly();
        }
    }

    /** Reads a stream to its end on a daemon thread, dropping what comes. */
    private static void drain(InputStream in, String name) {
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                while (in.read(buffer) != -1) {
                    // dropped: a floor host keeps no log
                }
            } catch (IOException e) {
                // the plugin is gone
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
    }

    private static void usage(String problem) {
        System.err.println("grpc-floor-host: " + problem);
        System.err.println("usage: GrpcFloorHost --bench N [--bench-par P[,P...]] -- CMD [ARGS...]");
        System.exit(2);
    }
}
