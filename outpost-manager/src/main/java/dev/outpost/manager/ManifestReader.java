package dev.outpost.manager;

import dev.outpost.host.PluginClient;
import java.util.Optional;

/**
 * Reads a plugin's manifest from the plugin itself, at its first start, for plugins without a
 * {@code plugin.json}. The result is cached and kept while the plugin is down.
 *
 * <pre>{@code
 * ManifestReader fromIglu = client -> {
 *     PluginManifest m = client.dispense("iglu_plugin", Iglu.class).getManifest();
 *     return Optional.of(Manifest.of(m.id(), m.name(), m.version(), m.author()));
 * };
 * }</pre>
 */
@FunctionalInterface
public interface ManifestReader {
    Optional<Manifest> read(PluginClient client);
}
