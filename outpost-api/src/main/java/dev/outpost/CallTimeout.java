package dev.outpost;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of calls to this interface method, instead of the client's default. A call past it
 * fails with {@link dev.outpost.PluginTimeoutException} and is cancelled on the other side.
 *
 * <pre>{@code
 * @CallTimeout(value = 5, unit = TimeUnit.SECONDS)
 * Report scan(String path);
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CallTimeout {
    long value();

    TimeUnit unit() default TimeUnit.MILLISECONDS;
}
