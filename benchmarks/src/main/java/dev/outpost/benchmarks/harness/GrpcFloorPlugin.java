package dev.outpost.benchmarks.harness;

import com.google.protobuf.ByteString;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.GetResponse;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.internal.wire.proto.Empty;
import dev.outpost.internal.wire.proto.GRPCControllerGrpc;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The floor under any Java plugin built on grpc-java: {@code proto.KV} served by a bare grpc-java server
 * (Netty's epoll transport, one event loop, grpc-java's default executor) on a Unix socket, with the
 * go-plugin handshake line, the health service a host checks and {@code GRPCController/Shutdown}, and
 * nothing of Outpost's plugin side: no configuration, log records, stdio, broker or host watch. It checks
 * no magic cookie and negotiates nothing. The harness starts and measures it exactly as it does the Java KV plugin, so the
 * difference between the two is what Outpost's plugin side costs, and the difference between this and
 * the bare JVM is what grpc-java, Netty and protobuf cost.
 */
public final class GrpcFloorPlugin {

    private GrpcFloorPlugin() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("outpost-floor-");
        Path socket = dir.resolve("plugin.sock");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("plugin", ServingStatus.SERVING);
        Server[] server = new Server[1];
        server[0] = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group).workerEventLoopGroup(group)
                // A Unix socket has no keep-alive option: without this Netty warns on every connection.
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(health.getHealthService())
                .addService(new Kv())
                .addService(new GRPCControllerGrpc.GRPCControllerImplBase() {
                    @Override
                    public void shutdown(Empty request, StreamObserver<Empty> response) {
                        response.onNext(Empty.getDefaultInstance());
                        response.onCompleted();
                        server[0].shutdown();
                    }
                })
                .build().start();
        System.out.println("1|1|unix|" + socket + "|grpc");
        System.out.flush();
        server[0].awaitTermination();
        // No quiet period: the host waits for the process to exit after Shutdown.
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** {@code proto.KV} in memory. */
    private static final class Kv extends KVGrpc.KVImplBase {
        private final Map<String, ByteString> values = new ConcurrentHashMap<>();

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> response) {
            response.onNext(GetResponse.newBuilder()
                    .setValue(values.getOrDefault(request.getKey(), ByteString.EMPTY)).build());
            response.onCompleted();
        }

        @Override
        public void put(PutRequest request, StreamObserver<dev.outpost.interop.proto.Empty> response) {
            values.put(request.getKey(), request.getValue());
            response.onNext(dev.outpost.interop.proto.Empty.getDefaultInstance());
            response.onCompleted();
        }
    }
}
