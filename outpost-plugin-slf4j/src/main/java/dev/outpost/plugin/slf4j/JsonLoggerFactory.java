package dev.outpost.plugin.slf4j;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMDCAdapter;

/** One {@link JsonLogger} per name, as SLF4J expects of a factory; loggers live as long as the JVM. */
final class JsonLoggerFactory implements ILoggerFactory {

    private final Threshold threshold;
    private final BasicMDCAdapter mdc;
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

    JsonLoggerFactory(Threshold threshold, BasicMDCAdapter mdc) {
        this.threshold = threshold;
        this.mdc = mdc;
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, key -> new JsonLogger(key, threshold, mdc));
    }
}
