package dev.outpost.manager;

import dev.outpost.PluginTimeoutException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * A proxy of a plugin interface that outlives the plugin's processes: each call goes to the process
 * that serves now, waits while the plugin restarts, and is counted so that a reload can let it finish
 * on the old process. A call that fails because its process went away is made again on the next one
 * when it cannot have reached the old one, and otherwise fails saying what happened ({@link LostCalls}).
 *
 * <p>It is bound to the plugin's id, not to one {@link ManagedPlugin}: a watched directory that unloads
 * a plugin and loads its entry again (a file removed and put back, made non-executable and fixed,
 * changed while the plugin was not running) makes a new one under the same id, and the handle goes on
 * to it. While the id has no plugin, calls go to the last one, which says it is stopped.
 */
final class StableHandle implements InvocationHandler {

    private final String id;
    private final Function<String, ManagedPlugin> plugins;
    private final String name;
    private final Class<?> type;
    private final Duration wait;
    private final CallListener calls;
    private volatile ManagedPlugin last;

    private StableHandle(ManagedPlugin plugin, Function<String, ManagedPlugin> plugins, String name, Class<?> type,
                         Duration wait, CallListener calls) {
        this.id = plugin.id();
        this.last = plugin;
        this.plugins = plugins;
        this.name = name;
        this.type = type;
        this.wait = wait;
        this.calls = calls;
    }

    /**
     * @param plugin  the plugin of the id now
     * @param plugins the plugin of an id at the time of each call, or null while there is none
     */
    static <T> T create(ManagedPlugin plugin, Function<String, ManagedPlugin> plugins, String name, Class<T> type,
                        Duration wait, CallListener calls) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                new StableHandle(plugin, plugins, name, type, wait, calls)));
    }

    private ManagedPlugin current() {
        ManagedPlugin now = plugins.apply(id);
        if (now == null) {
            return last;
        }
        last = now;
        return now;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> type.getSimpleName() + " of managed plugin '" + id + "'";
            };
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        return call(proxy, method, args, System.nanoTime());
    }

    /** Makes the call, and again on the next process while it cannot have reached the one it went to. */
    private Object call(Object proxy, Method method, Object[] args, long started) throws Throwable {
        String call = type.getSimpleName() + "." + method.getName();
        ManagedPlugin plugin = current();
        Throwable failure = null;
        try {
            while (true) {
                Generation generation = plugin.enter(Duration.ofNanos(Math.max(0, wait.toNanos()
                        - (System.nanoTime() - started))));
                long sent = System.nanoTime();
                try {
                    Object result = method.invoke(generation.dispense(name, type), args);
                    generation.callSucceeded();
                    if (result instanceof CompletableFuture<?> future) {
                        return followed(future, proxy, method, args, started, plugin, generation, sent, call);
                    }
                    return result;
                } catch (InvocationTargetException e) {
                    Throwable thrown = e.getCause();
                    if (thrown instanceof PluginTimeoutException timeout) {
                        plugin.callTimedOut(generation, timeout);
                        throw thrown;
                    }
                    if (!LostCalls.connectionFailure(thrown)) {
                        throw thrown;
                    }
                    Throwable outcome = LostCalls.outcome(plugin, generation, sent, call, thrown);
                    if (outcome != null) {
                        throw outcome;
                    }
                    // It cannot have reached the plugin: made again on the next process, as a call made
                    // after the crash was seen would be, within what is left of the wait.
                } finally {
                    plugin.exit(generation);
                }
                plugin = current();
            }
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            calls.onCall(plugin.id(), call, Duration.ofNanos(System.nanoTime() - started), failure);
        }
    }

    /**
     * The future of an asynchronous call, failing as a synchronous one would: when the connection fails
     * under it, with what became of the process, or made again (on another thread, as this one may be
     * gRPC's) when it cannot have reached the plugin.
     */
    private CompletableFuture<Object> followed(CompletableFuture<?> future, Object proxy, Method method,
                                               Object[] args, long started, ManagedPlugin plugin,
                                               Generation generation, long sent, String call) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        future.whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
                return;
            }
            Throwable thrown = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            Throwable outcome = LostCalls.connectionFailure(thrown)
                    ? LostCalls.outcome(plugin, generation, sent, call, thrown) : thrown;
            if (outcome != null) {
                result.completeExceptionally(outcome);
                return;
            }
            CompletableFuture.runAsync(() -> {
                try {
                    ((CompletableFuture<?>) call(proxy, method, args, started)).whenComplete((again, failed) -> {
                        if (failed == null) {
                            result.complete(again);
                        } else {
                            result.completeExceptionally(failed);
                        }
                    });
                } catch (Throwable failed) {
                    result.completeExceptionally(failed);
                }
            });
        });
        return result;
    }
}
