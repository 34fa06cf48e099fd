/** A web page and a JSON API for a {@code PluginManager}: {@code dev.outpost.console.PluginConsole}. */
module dev.outpost.console {
    requires transitive dev.outpost.manager;
    requires jdk.httpserver;
    requires tools.jackson.databind;
    requires org.slf4j;
    requires micrometer.core;
    requires micrometer.registry.prometheus;

    exports dev.outpost.console;
}
