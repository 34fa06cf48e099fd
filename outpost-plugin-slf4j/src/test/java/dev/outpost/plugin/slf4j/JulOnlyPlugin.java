package dev.outpost.plugin.slf4j;

/** A plugin that never calls SLF4J itself: only java.util.logging records, while its server starts. */
public final class JulOnlyPlugin {

    private JulOnlyPlugin() {
    }

    public static void main(String[] args) {
        LibraryLoggingPlugin.serve();
    }
}
