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

    private StableHandle(ManagedPlugin plugin, String name, Class<?> type, Duration wait) {
        this.plugin = plugin;
        this.name = name;
        this.type = type;
        this.wait = wait;
    }

    static <T> T create(ManagedPlugin plugin, String name, Class<T> type, Duration wait) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                new StableHandle(plugin, name, type, wait)));
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
        ManagedPlugin.Generation generation = plugin.enter(wait);
        try {
            Object result = method.invoke(generation.dispense(name, type), args);
            plugin.callSucceeded(generation);
            return result;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof PluginTimeoutException timeout) {
                plugin.callTimedOut(generation, timeout);
            }
            throw e.getCause();
        } finally {
            plugin.exit(generation);
        }
    }
}
