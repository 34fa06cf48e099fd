package dev.outpost.rpc;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Java interface checked for remoting, with its remote methods. Checked once per interface: an
 * interface that cannot be remoted fails here, naming the method and the type, never at the first
 * call. Interfaces used as parameters or return values (callbacks) are checked too. Only what Jackson
 * alone can find wrong with a bean (two fields under one JSON name, say) waits for the first call that
 * uses it, which fails naming the parameter and the method.
 */
final class RemoteInterface {

    /** Kept with each class, not in a map of them: an interface's class loader can still be collected. */
    private static final ClassValue<RemoteInterface> CACHE = new ClassValue<>() {
        @Override
        protected RemoteInterface computeValue(Class<?> type) {
            return check(type, new HashMap<>());
        }
    };
    private static final Set<Class<?>> VALUE_CLASSES = Set.of(String.class, Boolean.class, Byte.class, Short.class,
            Integer.class, Long.class, Float.class, Double.class, Character.class, BigDecimal.class,
            BigInteger.class, UUID.class, URI.class);
    private static final Set<Class<?>> CONTAINERS = Set.of(List.class, Collection.class, Set.class, Map.class,
            Optional.class);

    private final Class<?> type;
    private final Map<Method, RemoteMethod> methods;
    private final Map<String, RemoteMethod> byName;
    private final AtomicBoolean preparing = new AtomicBoolean();

    private RemoteInterface(Class<?> type, Map<Method, RemoteMethod> methods) {
        this.type = type;
        this.methods = Collections.unmodifiableMap(methods);
        Map<String, RemoteMethod> names = new LinkedHashMap<>();
        methods.values().forEach(method -> names.put(method.name(), method));
        this.byName = Collections.unmodifiableMap(names);
    }

    /** The checked interface, or {@link IllegalArgumentException} saying what cannot be remoted. */
    static RemoteInterface of(Class<?> type) {
        return CACHE.get(type); // a failed check is not kept: it throws again on the next try
    }

    private static RemoteInterface check(Class<?> type, Map<Class<?>, Boolean> checking) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not an interface");
        }
        if (type.getTypeParameters().length > 0) {
            throw new IllegalArgumentException(type.getName() + " has type parameters; remote interfaces cannot be generic");
        }
        checking.put(type, true);
        Map<String, Method> seen = new HashMap<>();
        Map<Method, RemoteMethod> methods = new LinkedHashMap<>();
        List<Method> candidates = new ArrayList<>(List.of(type.getMethods()));
        candidates.sort((a, b) -> a.getName().compareTo(b.getName()));
        for (Method method : candidates) {
            if (Modifier.isStatic(method.getModifiers()) || method.isDefault()) {
                continue; // run locally on the proxy
            }
            String where = type.getSimpleName() + "." + method.getName();
            Method twin = seen.putIfAbsent(method.getName(), method);
            if (twin != null) {
                throw new IllegalArgumentException(where + " is overloaded; remote methods need unique names");
            }
            Type[] parameters = method.getGenericParameterTypes();
            for (int i = 0; i < parameters.length; i++) {
                checkType(parameters[i], where + " parameter '" + method.getParameters()[i].getName() + "'", true,
                        checking);
            }
            Type result = method.getGenericReturnType();
            if (result instanceof ParameterizedType future && future.getRawType() == CompletableFuture.class) {
                result = future.getActualTypeArguments()[0];
                if (result == Void.class) {
                    result = void.class;
                }
            }
            if (result != void.class) {
                checkType(result, where + " return type", true, checking);
            }
            methods.put(method, new RemoteMethod(type, method));
        }
        return new RemoteInterface(type, methods);
    }

    private static void checkType(Type type, String where, boolean topLevel, Map<Class<?>, Boolean> checking) {
        if (type instanceof Class<?> c) {
            checkClass(c, where, topLevel, checking);
        } else if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (raw == CompletableFuture.class) {
                throw new IllegalArgumentException(where + ": CompletableFuture is only supported as a return type");
            }
            if (raw == Map.class) {
                Type key = p.getActualTypeArguments()[0];
                if (!(key instanceof Class<?> k) || !(k == String.class || k.isEnum() || VALUE_CLASSES.contains(k))) {
                    throw new IllegalArgumentException(where + ": map keys must be strings, numbers, UUIDs or enums, not "
                            + key.getTypeName());
                }
            } else if (!CONTAINERS.contains(raw)) {
                checkClass(raw, where, false, checking);
            }
            for (Type argument : p.getActualTypeArguments()) {
                checkType(argument, where, false, checking);
            }
        } else if (type instanceof GenericArrayType array) {
            checkType(array.getGenericComponentType(), where, false, checking);
        } else if (type instanceof TypeVariable<?> variable) {
            throw new IllegalArgumentException(where + ": type variable " + variable.getName()
                    + " cannot be resolved; use a concrete type");
        } else if (type instanceof WildcardType) {
            throw new IllegalArgumentException(where + ": wildcard " + type.getTypeName() + " is not supported");
        } else {
            throw new IllegalArgumentException(where + ": unsupported type " + type.getTypeName());
        }
    }

    private static void checkClass(Class<?> c, String where, boolean topLevel, Map<Class<?>, Boolean> checking) {
        if (c.isPrimitive() || VALUE_CLASSES.contains(c) || c.isEnum() || c == byte[].class) {
            if (c == void.class) {
                throw new IllegalArgumentException(where + ": void is only a return type");
            }
            return;
        }
        if (c.isArray()) {
            checkClass(c.getComponentType(), where, false, checking);
            return;
        }
        if (c.getPackageName().equals("java.time")) {
            return;
        }
        if (CONTAINERS.contains(c)) {
            throw new IllegalArgumentException(where + ": raw " + c.getSimpleName() + "; give its type arguments");
        }
        if (c.isInterface()) {
            if (!topLevel) {
                throw new IllegalArgumentException(where + ": interface " + c.getName()
                        + " can only be passed directly as a parameter or return value (a callback)");
            }
            if (!checking.containsKey(c)) {
                try {
                    check(c, checking);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ": callback " + e.getMessage(), e);
                }
            }
            return;
        }
        if (c == Object.class || Modifier.isAbstract(c.getModifiers()) || c.getName().startsWith("java.")
                || c.getName().startsWith("javax.") || Throwable.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(where + ": " + c.getName()
                    + " cannot be passed; use primitives, String, byte[], enums, records, beans, java.time values,"
                    + " List/Set/Map/Optional of those, or an interface as a callback");
        }
        if (c.isRecord()) {
            for (var component : c.getRecordComponents()) {
                checkType(component.getGenericType(), where + " (record component " + c.getSimpleName() + "."
                        + component.getName() + ")", false, checking);
            }
            return;
        }
        try {
            c.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(where + ": " + c.getName()
                    + " is neither a record nor a bean with a no-argument constructor");
        }
    }

    /**
     * Makes every method's codecs on a daemon thread, once. Building Jackson's readers and writers (and its
     * mapper), for the types that need them, is most of what a plain-interface plugin adds to a start; on a
     * second core it runs while the process sets up its gRPC server. A call that comes first makes what it
     * needs itself.
     */
    RemoteInterface prepareInBackground() {
        if (preparing.compareAndSet(false, true)) {
            Thread thread = new Thread(() -> methods.values().forEach(method -> {
                try {
                    method.prepareCodecs();
                } catch (RuntimeException e) {
                    // the first call of this method makes it again and reports the error
                }
            }), "outpost-codec-" + type.getSimpleName());
            thread.setDaemon(true);
            thread.start();
        }
        return this;
    }

    Class<?> type() {
        return type;
    }

    /** The service name on the wire: the interface's binary name. */
    String serviceName() {
        return type.getName();
    }

    RemoteMethod method(Method method) {
        return methods.get(method);
    }

    Collection<RemoteMethod> methods() {
        return byName.values();
    }
}
