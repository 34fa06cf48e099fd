package dev.outpost.rpc;

import dev.outpost.CodecException;
import dev.outpost.PluginCallException;
import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.internal.grpc.DefaultDeadline;
import dev.outpost.grpc.GrpcBroker;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Plain Java interfaces over one connection: proxies that turn method calls into gRPC calls, and
 * service definitions that turn gRPC calls into method calls. Interfaces passed as arguments or
 * results (callbacks) are served through the go-plugin broker, on either side. One per broker.
 */
final class Remoting implements Codec.Callbacks {

    /** Calls on broker connections (callbacks) without their own timeout get this deadline. */
    static final Duration DEFAULT_CALLBACK_TIMEOUT = Duration.ofSeconds(30);

    private final GrpcBroker broker;
    private final String pluginName;
    private final String peer;
    private final Map<Object, Integer> exported = new IdentityHashMap<>();
    private final Map<Integer, Object> imported = new ConcurrentHashMap<>();
    private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final List<DefaultDeadline> deadlines = new CopyOnWriteArrayList<>();

    private Remoting(GrpcBroker broker, String pluginName, String peer) {
        this.broker = broker;
        this.pluginName = pluginName;
        this.peer = peer;
        broker.onClose(this::close);
    }

    /**
     * The remoting of a broker's connection, which the broker keeps: it goes with the broker.
     *
     * @param peer who is on the other side, for messages: {@code plugin 'kv'} or {@code the host}
     */
    static Remoting of(GrpcBroker broker, String peer) {
        return broker.attachment(Remoting.class, b -> new Remoting(b, b.owner(), peer));
    }

    /** The broker closed: the callback connections close, and the objects exported are let go. */
    private void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        deadlines.forEach(DefaultDeadline::close);
        channels.clear();
        imported.clear();
        synchronized (exported) {
            exported.clear();
        }
    }

    /** A proxy of {@code type} whose calls go over {@code channel}. */
    <T> T proxy(Class<T> type, Channel channel) {
        RemoteInterface remote = RemoteInterface.of(type);
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                new Caller(remote, channel)));
    }

    /** A gRPC service that calls {@code target}'s methods of {@code type}. */
    ServerServiceDefinition service(Class<?> type, Object target) {
        RemoteInterface remote = RemoteInterface.of(type);
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(remote.serviceName());
        for (RemoteMethod method : remote.methods()) {
            service.addMethod(method.descriptor(), ServerCalls.asyncUnaryCall(
                    (request, response) -> serve(method, target, request, response)));
        }
        return service.build();
    }

    @Override
    public int export(Object target, Class<?> type) {
        synchronized (exported) {
            Integer known = exported.get(target);
            if (known != null) {
                return known;
            }
            int id = broker.nextId();
            broker.acceptAndServe(id, java.util.List.of(service(type, target)));
            exported.put(target, id);
            return id;
        }
    }

    @Override
    public Object importRef(int id, Class<?> type) {
        Object known = imported.get(id);
        if (type.isInstance(known)) {
            return known;
        }
        ManagedChannel channel = channels.computeIfAbsent(id, key -> {
            DefaultDeadline deadline = new DefaultDeadline(DEFAULT_CALLBACK_TIMEOUT);
            deadlines.add(deadline);
            return broker.dial(key, deadline);
        });
        Object proxy = proxy(type, channel);
        imported.put(id, proxy);
        return proxy;
    }

    private void serve(RemoteMethod method, Object target, byte[] request, StreamObserver<byte[]> response) {
        Object[] args;
        try {
            args = Codec.decodeArguments(method, request, this);
        } catch (Codec.Failure e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        Object result;
        Thread worker = Thread.currentThread();
        Context context = Context.current();
        // A cancelled call (deadline, host gone) interrupts the implementation, the Java way to stop work.
        Context.CancellationListener interrupt = cancelled -> worker.interrupt();
        context.addListener(interrupt, Runnable::run);
        try {
            result = method.method().invoke(target, args);
        } catch (InvocationTargetException e) {
            fail(response, e.getCause());
            return;
        } catch (IllegalAccessException e) {
            fail(response, e);
            return;
        } finally {
            context.removeListener(interrupt);
            Thread.interrupted();
        }
        if (!method.async()) {
            respond(method, result, response);
        } else if (result == null) {
            fail(response, new NullPointerException(method.displayName() + " returned a null CompletableFuture"));
        } else {
            CompletableFuture<?> future = (CompletableFuture<?>) result;
            context.addListener(cancelled -> future.cancel(true), Runnable::run);
            future.whenComplete((value, error) -> {
                if (error != null) {
                    fail(response, error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    respond(method, value, response);
                }
            });
        }
    }

    private void respond(RemoteMethod method, Object result, StreamObserver<byte[]> response) {
        byte[] bytes;
        try {
            bytes = Codec.encodeResult(method, result, this);
        } catch (Codec.Failure e) {
            send(response, Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        try {
            response.onNext(bytes);
            response.onCompleted();
        } catch (StatusRuntimeException | IllegalStateException e) {
            // The call was cancelled meanwhile; nobody is waiting for the answer.
        }
    }

    private static void fail(StreamObserver<byte[]> response, Throwable error) {
        RemoteError remote = RemoteError.of(error);
        send(response, Status.UNKNOWN.withDescription(remote.type() + ": " + remote.message())
                .asRuntimeException(remote.toTrailers()));
    }

    private static void send(StreamObserver<byte[]> response, StatusRuntimeException error) {
        try {
            response.onError(error);
        } catch (StatusRuntimeException | IllegalStateException e) {
            // already cancelled
        }
    }

    /** The exception a failed call raises on the calling side. */
    private RuntimeException failure(RemoteMethod method, Throwable thrown) {
        if (thrown instanceof Codec.Failure codec) {
            return new CodecException(pluginName, peer + ": " + codec.getMessage(), codec);
        }
        if (!(thrown instanceof StatusRuntimeException error)) {
            return thrown instanceof RuntimeException runtime ? runtime : new CompletionException(thrown);
        }
        Status status = error.getStatus();
        RemoteError remote = RemoteError.from(error.getTrailers());
        if (remote != null) {
            return rebuild(method, remote);
        }
        String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> new PluginTimeoutException(pluginName, peer + ": " + method.displayName()
                    + " did not complete in time (" + description + ")", error);
            case UNAVAILABLE, CANCELLED -> new PluginUnavailableException(pluginName, peer + ": "
                    + method.displayName() + " failed: " + description, error);
            case INVALID_ARGUMENT -> new CodecException(pluginName, peer + ": " + description, error);
            default -> new PluginCallException(pluginName, peer, method.displayName(), "gRPC status "
                    + status.getCode(), status.getDescription(), new StackTraceElement[0]);
        };
    }

    /** The declared exception type when the method declares it and it has a (String) constructor. */
    private RuntimeException rebuild(RemoteMethod method, RemoteError remote) {
        PluginCallException call = new PluginCallException(pluginName, peer, method.displayName(), remote.type(),
                remote.message(), remote.stackTrace());
        for (Class<?> declared : method.method().getExceptionTypes()) {
            if (declared.getName().equals(remote.type())) {
                try {
                    Constructor<?> constructor = declared.getConstructor(String.class);
                    Throwable rebuilt = (Throwable) constructor.newInstance(remote.message());
                    rebuilt.initCause(call);
                    return new Rethrow(rebuilt);
                } catch (ReflectiveOperationException | IllegalStateException e) {
                    break;
                }
            }
        }
        return call;
    }

    /** Carries a declared (possibly checked) exception out of {@link #failure}; unwrapped by the caller. */
    private static final class Rethrow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Rethrow(Throwable declared) {
            super(declared);
        }
    }

    /** The invocation handler of proxies. */
    private final class Caller implements InvocationHandler {
        private final RemoteInterface remote;
        private final Channel channel;

        Caller(RemoteInterface remote, Channel channel) {
            this.remote = remote;
            this.channel = channel;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> remote.type().getSimpleName() + " of " + peer;
                };
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            RemoteMethod target = remote.method(method);
            byte[] request;
            try {
                request = Codec.encodeArguments(target, args, Remoting.this);
            } catch (Codec.Failure e) {
                throw unwrap(failure(target, e));
            }
            CallOptions options = CallOptions.DEFAULT;
            if (target.timeout() != null) {
                options = options.withDeadlineAfter(target.timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (target.async()) {
                return callAsync(target, options, request);
            }
            byte[] response;
            try {
                response = ClientCalls.blockingUnaryCall(channel, target.descriptor(), options, request);
            } catch (StatusRuntimeException e) {
                throw unwrap(failure(target, e));
            }
            try {
                return Codec.decodeResult(target, response, Remoting.this);
            } catch (Codec.Failure e) {
                throw unwrap(failure(target, e));
            }
        }

        private CompletableFuture<Object> callAsync(RemoteMethod target, CallOptions options, byte[] request) {
            var call = channel.newCall(target.descriptor(), options);
            var pending = ClientCalls.futureUnaryCall(call, request);
            CompletableFuture<Object> result = new CompletableFuture<>();
            result.whenComplete((value, error) -> {
                if (error instanceof CancellationException) {
                    pending.cancel(true);
                }
            });
            pending.addListener(() -> {
                try {
                    result.complete(Codec.decodeResult(target, pending.get(), Remoting.this));
                } catch (ExecutionException e) {
                    result.completeExceptionally(unwrap(failure(target, e.getCause())));
                } catch (Codec.Failure e) {
                    result.completeExceptionally(unwrap(failure(target, e)));
                } catch (InterruptedException | CancellationException e) {
                    result.cancel(false);
                }
            }, Runnable::run);
            return result;
        }

        private Throwable unwrap(RuntimeException failure) {
            return failure instanceof Rethrow rethrow ? rethrow.getCause() : failure;
        }
    }
}
