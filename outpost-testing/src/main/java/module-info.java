/** JUnit Jupiter support for plugin authors: {@code dev.outpost.testing.PluginExtension}. */
module dev.outpost.testing {
    requires transitive dev.outpost.core;
    requires transitive org.junit.jupiter.api;

    exports dev.outpost.testing;
}
