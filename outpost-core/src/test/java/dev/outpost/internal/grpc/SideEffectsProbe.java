package dev.outpost.internal.grpc;

import dev.outpost.internal.yamux.YamuxDialAddress;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What a host application sees of Outpost's transport in its own JVM: run in a JVM of its own, it sets up
 * logging as an application would, makes one connection over a Unix socket and reports on stdout the
 * JVM-wide state afterwards and every warning Netty or gRPC logged.
 */
public final class SideEffectsProbe {

    /** The application's own logger factory for grpc's Netty; a subclass, so it is told apart from Netty's. */
    static final class ApplicationLoggers extends JdkLoggerFactory {
        @SuppressWarnings("deprecation")
        ApplicationLoggers() {
        }
    }

    private SideEffectsProbe() {
    }

    private static String call(ManagedChannel channel) {
        try {
            HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            return "OK";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().toString();
        }
    }

    public static void main(String[] args) throws Exception {
        InternalLoggerFactory applicationFactory = new ApplicationLoggers();
        InternalLoggerFactory.setDefaultFactory(applicationFactory);
        List<String> warnings = new CopyOnWriteArrayList<>();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.ALL);
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getLoggerName() + ": " + record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        Path dir = Files.createTempDirectory("probe");
        DomainSocketAddress address = new DomainSocketAddress(dir.resolve("s").toString());
        Server server = Transport.server(address, List.of());
        ManagedChannel channel = Transport.channel(address);
        try {
            System.out.println("call=" + call(channel));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            Files.deleteIfExists(Path.of(address.path()));
        }
        try (Multiplexer plugin = Multiplexer.listen(address, "the host")) {
            Server muxServer = plugin.server(null, List.of(), null, Transport.MAX_MESSAGE_SIZE);
            try (Multiplexer host = Multiplexer.connect(address, "plugin 'probe'")) {
                ManagedChannel muxChannel = host.channel("probe", YamuxDialAddress.Gate.OPEN, null,
                        Transport.MAX_MESSAGE_SIZE);
                System.out.println("multiplexed call=" + call(muxChannel));
                muxChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            } finally {
                muxServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            Files.deleteIfExists(Path.of(address.path()));
            Files.deleteIfExists(dir);
        }
        System.out.println("factory=" + (InternalLoggerFactory.getDefaultFactory() == applicationFactory
                ? "application" : InternalLoggerFactory.getDefaultFactory().getClass().getName()));
        System.out.println("jfr=" + System.getProperty(Transport.NETTY_JFR));
        for (String name : List.of("io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap",
                "io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap")) {
            System.out.println("level " + name + "=" + Logger.getLogger(name).getLevel());
        }
        warnings.forEach(warning -> System.out.println("warning " + warning));
        System.out.println("done");
        System.exit(0);
    }
}
