package dev.outpost.plugin.slf4j;

import org.slf4j.ILoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J 2 provider for Java plugins: every SLF4J logger in the plugin's JVM (its own, gRPC's, any
 * library's) writes go-plugin's JSON log lines ({@code @level}, {@code @message}, {@code @module} = the
 * logger's name, {@code @timestamp}, and the record's key/value pairs, MDC entries and exception as
 * fields) on the process's real stderr, where any go-plugin host reads them at their level. SLF4J finds
 * it on the class path; put {@code outpost-plugin-slf4j} in the plugin's dependencies, never in a host's.
 *
 * <p>Records below the threshold are dropped in the plugin: {@value #LEVEL_PROPERTY} (a system property)
 * or else {@value #LEVEL_ENV} (the environment) sets it to {@code trace}, {@code debug}, {@code info},
 * {@code warn}, {@code error} or {@code off}; the default is {@code info}. Records of
 * {@code java.util.logging} (gRPC's, the JDK's) come the same way, at the matching level ({@code FINE} and
 * {@code FINER} as debug, {@code FINEST} as trace).
 */
public final class OutpostServiceProvider implements SLF4JServiceProvider {

    /** The system property that sets the threshold. */
    public static final String LEVEL_PROPERTY = "outpost.plugin.log.level";
    /** The environment variable that sets the threshold when the system property does not. */
    public static final String LEVEL_ENV = "OUTPOST_PLUGIN_LOG_LEVEL";

    private ILoggerFactory loggerFactory;
    private IMarkerFactory markerFactory;
    private MDCAdapter mdcAdapter;

    /** Called by SLF4J's service loader. */
    public OutpostServiceProvider() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggerFactory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markerFactory;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdcAdapter;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        markerFactory = new BasicMarkerFactory();
        BasicMDCAdapter mdc = new BasicMDCAdapter();
        mdcAdapter = mdc;
        Threshold threshold = Threshold.configured(System.getProperty(LEVEL_PROPERTY), System.getenv(LEVEL_ENV));
        loggerFactory = new JsonLoggerFactory(threshold, mdc);
        routeJavaUtilLogging(threshold);
    }

    /*
     * gRPC and the JDK log through java.util.logging, whose console handler would write two lines of plain
     * text per record on stderr, where the host sees them without their level. Its records come here
     * instead; the root logger's level follows the threshold, so that JUL drops what would be dropped here
     * before it formats anything. This process is the plugin's, so changing its JUL set-up is ours to do.
     */
    private static void routeJavaUtilLogging(Threshold threshold) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        java.util.logging.Logger.getLogger("").setLevel(threshold.julLevel());
    }
}
