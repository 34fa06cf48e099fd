package dev.outpost.manager;

import dev.outpost.PluginTimeoutException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;

/**
 * A proxy of a plugin interface that outlives the plugin's processes: each call goes to the process
 * that serves now, waits while the plugin restarts, and is counted so that a reload can let it finish
 * on the old process.
 */
final class StableHandle implements InvocationHandler {

    private final ManagedPlugin plugin;
    private final String name;
    private final Class<?> type;
    private final Duration wait;
    private final CallListener calls;

    private StableHandle(ManagedPlugin plugin, String name, Class<?> type, Duration wait, CallListener calls) {
        this.plugin = plugin;
        this.name = name;
        this.type = type;
        this.wait = wait;
        this.calls = calls;
    }

    static <T> T create(ManagedPlugin plugin, String name, Class<T> type, Duration wait, CallListener calls) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                new StableHandle(plugin, name, type, wait, calls)));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> type.getSimpleName() + " of managed plugin '" + plugin.id() + "'";
            };
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        long started = System.nanoTime();
        Throwable failure = null;
        ManagedPlugin.Generation generation = null;
        try {
            generation = plugin.enter(wait);
            Object result = method.invoke(generation.dispense(name, type), args);
            plugin.callSucceeded(generation);
            return result;
        } catch (InvocationTargetException e) {
            failure = e.getCause();
            if (failure instanceof PluginTimeoutException timeout) {
                plugin.callTimedOut(generation, timeout);
            }
            throw failure;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            if (generation != null) {
                plugin.exit(generation);
            }
            calls.onCall(plugin.id(), type.getSimpleName() + "." + method.getName(),
                    Duration.ofNanos(System.nanoTime() - started), failure);
        }
    }
}
