package dev.outpost.host;

import dev.outpost.HandshakeLine;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.grpc.MutualTls;
import dev.outpost.internal.wire.AutoMtls;
import dev.outpost.internal.wire.PluginEnv;
import java.security.cert.CertificateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a host makes of a plugin's handshake before it connects: whether the two sides can talk (version,
 * protocol, multiplexing), the connection's TLS under AutoMTLS, and the address as the host reaches it.
 */
final class HandshakeChecks {

    /** PluginClient's: its warnings stay where operators already look for them. */
    private static final Logger LOG = LoggerFactory.getLogger(PluginClient.class);

    private HandshakeChecks() {
    }

    /** Why the host cannot talk to a plugin that printed {@code handshake}, or null when it can. */
    static String incompatibility(ClientConfig config, HandshakeLine handshake) {
        if (!config.versionedPlugins().containsKey(handshake.appVersion())) {
            return "speaks protocol version " + handshake.appVersion() + ", but the host speaks "
                    + config.versionedPlugins().keySet() + "; update the plugin or the host";
        }
        if (config.multiplexBroker() && !handshake.multiplex().orElse(false)) {
            // go-plugin's words first, then what they mean.
            return "does not support gRPC broker multiplexing, which the host requested (multiplexBroker): "
                    + (handshake.multiplex().isEmpty() ? "its handshake has no 7th field (go-plugin plugins support "
                    + "multiplexing from v1.6.0 on: rebuild the plugin with a newer go-plugin)"
                    : "its handshake answered false") + "; handshake: " + handshake.format();
        }
        if (HandshakeLine.NETRPC.equals(handshake.protocol())) {
            return "speaks netrpc (Go's net/rpc), which Outpost does not support; the plugin must serve gRPC "
                    + "(for go-plugin: set GRPCServer in its ServeConfig)";
        }
        if (!HandshakeLine.GRPC.equals(handshake.protocol())) {
            return "speaks unsupported protocol \"" + handshake.protocol() + "\"; Outpost supports [grpc]";
        }
        if (!config.multiplexBroker() && handshake.multiplex().isPresent()) {
            // Only a plugin that read PLUGIN_MULTIPLEX_GRPC, which this host did not set, prints a 7th field.
            return "answered gRPC broker multiplexing (a 7th handshake field), which the host did not ask for; "
                    + "handshake: " + handshake.format();
        }
        return null;
    }

    /** The connection's TLS under AutoMTLS: trust exactly the certificate the plugin announced; else null. */
    static MutualTls mutualTls(ClientConfig config, Backend backend, HandshakeLine handshake,
                                       AutoMtls.Identity identity) {
        if (identity == null) {
            if (handshake.serverCert().isPresent()) {
                LOG.warn("plugin '{}' announced a TLS certificate, but the host did not ask for AutoMTLS; "
                        + "connecting without TLS", config.name());
            }
            return null;
        }
        // go-plugin would only fail at the first call, with an unknown-authority TLS error.
        byte[] der = handshake.serverCert().orElseThrow(() -> backend.failure("was started with AutoMTLS, but its "
                + "handshake has no certificate (field 6 is empty): the plugin does not support automatic mutual "
                + "TLS (it must read " + PluginEnv.CLIENT_CERT + "); handshake: " + handshake.format(), null,
                Kind.INCOMPATIBLE));
        try {
            return MutualTls.of(identity, AutoMtls.parseDer(der), "plugin '" + config.name() + "'");
        } catch (CertificateException e) {
            throw backend.failure("announced a certificate in its handshake that is not a valid X.509 "
                    + "certificate: " + e.getMessage(), e, Kind.OTHER);
        }
    }

    /**
     * The handshake with the address where the host reaches the plugin, as its runner translates it: a
     * plugin confined elsewhere may listen on an address that means something else on the host's side.
     */
    static HandshakeLine translated(PluginProcess process, HandshakeLine handshake) {
        String address;
        try {
            address = process.launched().pluginToHost(handshake.network(), handshake.address());
        } catch (IllegalArgumentException e) {
            throw process.failure("listens at " + handshake.network().wireName() + ":" + handshake.address()
                    + ", where the host cannot reach it: " + e.getMessage(), e, Kind.INCOMPATIBLE);
        }
        if (address.equals(handshake.address())) {
            return handshake;
        }
        return new HandshakeLine(handshake.coreVersion(), handshake.appVersion(), handshake.network(), address,
                handshake.protocol(), handshake.serverCert(), handshake.multiplex());
    }
}
