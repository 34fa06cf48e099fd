package dev.outpost.host;

import dev.outpost.Network;
import dev.outpost.internal.wire.proto.ConnInfo;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the addresses host and plugin announce to each other through the broker, as the plugin's
 * runner says ({@link Runner.Launched#pluginToHost}, {@link Runner.Launched#hostToPlugin}).
 */
final class BrokerAddresses {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerAddresses.class);

    private BrokerAddresses() {
    }

    /** What the plugin announced, as the host reaches it; unchanged if the runner cannot translate it. */
    static ConnInfo toHost(ConnInfo info, Runner.Launched launched, String name) {
        if (info.getAddress().isEmpty()) {
            return info; // a knock or an acknowledgement of broker multiplexing: no address
        }
        try {
            Network network = Network.fromWireName(info.getNetwork());
            String address = launched.pluginToHost(network, info.getAddress());
            return address.equals(info.getAddress()) ? info : info.toBuilder().setAddress(address).build();
        } catch (IllegalArgumentException e) {
            // The dial of that id fails then, saying where the plugin listens.
            LOG.warn("plugin '{}': broker id {} listens at {}:{}, where the host cannot reach it: {}", name,
                    info.getServiceId(), info.getNetwork(), info.getAddress(), e.getMessage());
            return info;
        }
    }

    /** The host's announcements to the plugin, with addresses as the plugin reaches them. */
    static StreamObserver<ConnInfo> toPlugin(StreamObserver<ConnInfo> toPlugin, Runner.Launched launched) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ConnInfo info) {
                if (info.getAddress().isEmpty()) {
                    toPlugin.onNext(info);
                    return;
                }
                Network network = Network.fromWireName(info.getNetwork());
                String address = launched.hostToPlugin(network, info.getAddress());
                toPlugin.onNext(address.equals(info.getAddress()) ? info : info.toBuilder().setAddress(address).build());
            }

            @Override
            public void onError(Throwable t) {
                toPlugin.onError(t);
            }

            @Override
            public void onCompleted() {
                toPlugin.onCompleted();
            }
        };
    }
}
