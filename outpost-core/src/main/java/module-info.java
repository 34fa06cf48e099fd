/**
 * Outpost's hosts and plugins: {@code dev.outpost.host} starts and talks to plugin processes,
 * {@code dev.outpost.plugin} serves a plugin, {@code dev.outpost.inprocess} serves one in the host's JVM,
 * {@code dev.outpost.rpc} and {@code dev.outpost.grpc} define plugin types. The {@code internal} packages
 * are exported only to Outpost's own modules.
 */
module dev.outpost.core {
    requires transitive dev.outpost.api;
    requires transitive io.grpc;
    requires transitive io.grpc.stub;
    requires io.grpc.protobuf;
    requires io.grpc.services;
    requires io.grpc.netty.shaded;
    requires com.google.protobuf;
    requires com.google.common;
    // guava's own, which guava (an automatic module) cannot require: without it, gRPC's futures fail to load.
    requires com.google.common.util.concurrent.internal;
    requires tools.jackson.databind;
    requires org.slf4j;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires jdk.unsupported;
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;

    exports dev.outpost.host;
    exports dev.outpost.plugin;
    exports dev.outpost.rpc;
    exports dev.outpost.grpc;
    exports dev.outpost.inprocess;
    exports dev.outpost.internal to dev.outpost.manager, dev.outpost.console, dev.outpost.testing, dev.outpost.cli;
    exports dev.outpost.internal.grpc to dev.outpost.manager, dev.outpost.console, dev.outpost.testing,
            dev.outpost.cli;
    exports dev.outpost.internal.wire to dev.outpost.manager, dev.outpost.console, dev.outpost.testing,
            dev.outpost.cli;
    exports dev.outpost.internal.wire.proto to dev.outpost.manager, dev.outpost.cli;
    exports dev.outpost.internal.yamux to dev.outpost.manager;
}
