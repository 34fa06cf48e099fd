package dev.outpost.plugin.slf4j;

import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** A plugin whose library logs through SLF4J at every level, then serves the probe. */
public final class LibraryLoggingPlugin {

    static final String LIBRARY = "com.example.pool.ConnectionPool";
    static final String JUL_LIBRARY = "com.example.net.Transport";

    private LibraryLoggingPlugin() {
    }

    public static void main(String[] args) {
        Logger library = LoggerFactory.getLogger(LIBRARY);
        library.trace("checking connection {}", 1);
        library.debug("pool sized to {} connections", 4);
        library.info("pool ready");
        MDC.put("tenant", "acme");
        library.atWarn().addKeyValue("waitedMs", 1500).log("slow connection to {}", "db:5432");
        MDC.remove("tenant");
        library.error("connection lost", new IOException("reset by peer"));
        serve();
    }

    /** Serves the probe; a library logs through java.util.logging while the server starts, as gRPC does. */
    static void serve() {
        PluginServer.serve(ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE).plugin("probe", broker -> {
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger(JUL_LIBRARY);
            jul.fine("channel options applied");
            jul.warning("keep-alive disabled");
            return Probe.plugin().services(broker);
        }).build());
    }
}
