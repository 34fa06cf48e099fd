package dev.outpost;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An interface-mode method whose implementation never blocks: its calls run on the thread that read them
 * (the connection's I/O thread), without the hand-off to a call thread and back that is most of a Java
 * plugin's latency. Put it on the plugin's implementation of the method (or on the interface's method,
 * for every implementation).
 *
 * <p>Only for a method that never waits: no I/O, no lock held by another call, no {@code join()} or
 * {@code get()} of a future, and no synchronous call to a callback of the host (its answer comes on an
 * I/O thread that may be this one: the call would hang until its deadline). While it runs, the other
 * calls of its connection wait. A method returning a {@code CompletableFuture} qualifies when it returns
 * at once. For protobuf services, {@code ServeConfig.Builder.nonBlocking} names the methods instead.
 *
 * <pre>{@code
 * @NonBlocking
 * @Override
 * public DeviceState state(String deviceId) {
 *     return states.get(deviceId);
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface NonBlocking {
}
