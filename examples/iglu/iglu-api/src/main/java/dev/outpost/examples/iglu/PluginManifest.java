package dev.outpost.examples.iglu;

/** Who a plugin is: its id, display name, author and version. */
public record PluginManifest(String id, String name, String author, String version) {
}
