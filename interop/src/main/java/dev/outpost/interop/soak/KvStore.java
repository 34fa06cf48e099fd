package dev.outpost.interop.soak;

import com.google.protobuf.ByteString;
import dev.outpost.PluginCallException;
import dev.outpost.PluginException;
import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * go-plugin's {@code proto.KV} as a plain Java interface, so that a {@code PluginManager} can hand out a
 * stable handle for it (handles are proxies of interfaces; a generated stub is a class).
 */
public interface KvStore {

    byte[] get(String key);

    void put(String key, byte[] value);

    /**
     * The host side of {@code proto.KV}: a blocking stub whose gRPC errors become Outpost's exceptions the
     * way interface mode maps them (DEADLINE_EXCEEDED: timeout; UNAVAILABLE, CANCELLED: unavailable;
     * any other status: a failed call). Only {@link StatusRuntimeException} is translated: anything else
     * a stub throws reaches the caller as it is.
     */
    static GrpcClientPlugin<KvStore> plugin() {
        return (channel, broker) -> new Client(KVGrpc.newBlockingStub(channel), broker.owner());
    }

    /** The stub behind {@link #plugin()}. */
    final class Client implements KvStore {
        private final KVGrpc.KVBlockingStub stub;
        private final String pluginName;

        Client(KVGrpc.KVBlockingStub stub, String pluginName) {
            this.stub = stub;
            this.pluginName = pluginName;
        }

        @Override
        public byte[] get(String key) {
            try {
                return stub.get(GetRequest.newBuilder().setKey(key).build()).getValue().toByteArray();
            } catch (StatusRuntimeException e) {
                throw typed("proto.KV/Get", e);
            }
        }

        @Override
        public void put(String key, byte[] value) {
            try {
                stub.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)).build());
            } catch (StatusRuntimeException e) {
                throw typed("proto.KV/Put", e);
            }
        }

        private PluginException typed(String method, StatusRuntimeException e) {
            Status status = e.getStatus();
            String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
            return switch (status.getCode()) {
                case DEADLINE_EXCEEDED -> new PluginTimeoutException(pluginName, "plugin '" + pluginName + "': "
                        + method + " did not complete in time (" + description + ")", e);
                case UNAVAILABLE, CANCELLED -> new PluginUnavailableException(pluginName, "plugin '" + pluginName
                        + "': " + method + " failed: " + description, e);
                default -> new PluginCallException(pluginName, "plugin '" + pluginName + "'", method,
                        "gRPC status " + status.getCode(), status.getDescription(), new StackTraceElement[0]);
            };
        }
    }
}
