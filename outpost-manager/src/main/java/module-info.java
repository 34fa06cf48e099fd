/**
 * A supervised directory of plugins: {@code dev.outpost.manager.PluginManager}. Micrometer and the
 * OpenTelemetry API are optional: the metrics and the spans work when the application has them.
 */
module dev.outpost.manager {
    requires transitive dev.outpost.core;
    requires tools.jackson.databind;
    requires org.slf4j;
    requires static micrometer.core;
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;

    exports dev.outpost.manager;
    exports dev.outpost.manager.metrics;
    // Manifests are read into its records by Jackson.
    opens dev.outpost.manager to tools.jackson.databind;
}
