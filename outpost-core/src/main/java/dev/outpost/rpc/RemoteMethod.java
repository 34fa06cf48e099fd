package dev.outpost.rpc;

import dev.outpost.CallTimeout;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** One remote method: its gRPC descriptor and what the codec needs about its types. */
final class RemoteMethod {

    /**
     * Arguments and results are already-encoded JSON bytes; the codec works with the Java types. Both ways
     * the length is known: gRPC writes the bytes into its frame at once and reads them into an array of
     * their size, where a plain stream would cost a copy through an 8 KiB buffer on each side of each call.
     */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new BytesStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                // gRPC's message streams know their length (KnownLength's available() is all that is left).
                return stream instanceof KnownLength ? stream.readNBytes(stream.available()) : stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** A byte array as gRPC takes a message best: of known length, drained into the frame in one write. */
    static final class BytesStream extends ByteArrayInputStream implements Drainable, KnownLength {
        BytesStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int length = count - pos;
            target.write(buf, pos, length);
            pos = count;
            return length;
        }
    }

    private final Method method;
    private final String displayName;
    private final MethodDescriptor<byte[], byte[]> descriptor;
    private final Type[] parameterTypes;
    private final String[] parameterNames;
    private final Type resultType;
    private final boolean async;
    private final Duration timeout;
    /** Made on first use, or ahead of it by {@link #prepareCodecs()}; immutable, so a race only repeats work. */
    private volatile Codecs codecs;

    RemoteMethod(Class<?> owner, Method method) {
        this.method = method;
        this.displayName = owner.getSimpleName() + "." + method.getName();
        this.descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(owner.getName(), method.getName()))
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
        this.parameterTypes = method.getGenericParameterTypes();
        var parameters = method.getParameters();
        this.parameterNames = new String[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            parameterNames[i] = parameters[i].getName();
        }
        Type result = method.getGenericReturnType();
        this.async = method.getReturnType() == CompletableFuture.class;
        if (async) {
            result = ((ParameterizedType) result).getActualTypeArguments()[0];
            if (result == Void.class) {
                result = void.class;
            }
        }
        this.resultType = result;
        CallTimeout annotation = method.getAnnotation(CallTimeout.class);
        this.timeout = annotation == null ? null : Duration.of(annotation.value(), annotation.unit().toChronoUnit());
        method.setAccessible(true);
    }

    Method method() {
        return method;
    }

    String name() {
        return method.getName();
    }

    /** {@code Iglu.getManifest}, for messages. */
    String displayName() {
        return displayName;
    }

    MethodDescriptor<byte[], byte[]> descriptor() {
        return descriptor;
    }

    Type[] parameterTypes() {
        return parameterTypes;
    }

    String parameterName(int index) {
        return parameterNames[index];
    }

    /** The result type, unwrapped from {@code CompletableFuture}; {@code void.class} for none. */
    Type resultType() {
        return resultType;
    }

    boolean async() {
        return async;
    }

    /** The {@link CallTimeout} of the method, or null. */
    Duration timeout() {
        return timeout;
    }

    ValueCodec parameterCodec(int index) {
        return codecs().parameters[index];
    }

    ValueCodec resultCodec() {
        return codecs().result;
    }

    boolean codecsPrepared() {
        return codecs != null;
    }

    /** Makes the codecs of the method's types now, if not yet made. */
    void prepareCodecs() {
        codecs();
    }

    /** The codecs of the method's types (none for callbacks and {@code void}). */
    private Codecs codecs() {
        Codecs made = codecs;
        if (made == null) {
            ValueCodec[] parameters = new ValueCodec[parameterTypes.length];
            for (int i = 0; i < parameterTypes.length; i++) {
                if (!isCallback(parameterTypes[i])) {
                    parameters[i] = ValueCodec.of(parameterTypes[i]);
                }
            }
            boolean plainResult = resultType != void.class && !isCallback(resultType);
            made = new Codecs(parameters, plainResult ? ValueCodec.of(resultType) : null);
            codecs = made;
        }
        return made;
    }

    private record Codecs(ValueCodec[] parameters, ValueCodec result) {
    }

    /** A parameter or result passed by reference: an interface (checked: never a raw container). */
    static boolean isCallback(Type type) {
        return type instanceof Class<?> c && c.isInterface();
    }
}
