/**
 * An SLF4J 2 provider for Java plugins: every logger writes go-plugin JSON log lines on stderr, which the
 * host shows at their level. Found by SLF4J through the service loader, on the class path or as a module.
 */
module dev.outpost.plugin.slf4j {
    requires dev.outpost.core;
    requires org.slf4j;
    requires jul.to.slf4j;
    requires java.logging;

    exports dev.outpost.plugin.slf4j;
    provides org.slf4j.spi.SLF4JServiceProvider with dev.outpost.plugin.slf4j.OutpostServiceProvider;
}
