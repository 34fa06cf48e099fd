package dev.outpost.manager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the manager's plugins in step with its directory. It owns what was last read of each entry;
 * after each read it lists the entries again ({@link DirectoryListing}) and acts on every entry whose
 * listing changed: loads it, reloads it, or unloads it (and loads it again under its new key or
 * reason). So a plugin's fate follows from the directory alone, whatever order its entries came in:
 * a newcomer claiming a running plugin's id fails both, and removing either lets the other start.
 */
final class DirectorySync {

    private static final Logger LOG = LoggerFactory.getLogger(PluginManager.class);

    private final Supervisor manager;
    private final PluginDirectory directory;
    /** The manager's plugins, by key; only this class adds to it. */
    private final Map<String, ManagedPlugin> plugins;
    /** The last read of each plugin entry, with the id it claims. Guarded by this. */
    private final Map<Path, PluginSource> entries = new HashMap<>();

    DirectorySync(Supervisor manager, PluginDirectory directory, Map<String, ManagedPlugin> plugins) {
        this.manager = manager;
        this.directory = directory;
        this.plugins = plugins;
    }

    /** Reads the whole directory; the plugins added, for the caller to load. */
    synchronized List<ManagedPlugin> scan() throws IOException {
        Map<Path, PluginSource> before = listing();
        List<PluginSource> read = directory.scan();
        read.forEach(source -> entries.put(source.path(), source));
        return apply(before, listing(), read.stream().map(PluginSource::path).toList());
    }

    /** {@code entry} changed, appeared or vanished. */
    synchronized void changed(Path entry) {
        Map<Path, PluginSource> before = listing();
        Optional<PluginSource> read = directory.read(entry);
        read.ifPresentOrElse(source -> entries.put(entry, source), () -> entries.remove(entry));
        loadNew(apply(before, listing(), List.of(entry)));
    }

    /**
     * Reads {@code plugin}'s entry again for a reload by hand: the source to reload it with. A source
     * that cannot run (say, its new manifest claims another plugin's id) is not taken in: the reload
     * is refused with its reason, and the directory stays as it was.
     *
     * @throws IllegalStateException when the entry is gone or no longer a plugin
     */
    synchronized PluginSource reread(ManagedPlugin plugin) {
        Path path = plugin.source().path();
        PluginSource fresh = directory.read(path).orElseThrow(() -> new IllegalStateException("plugin '"
                + plugin.id() + "' is gone from " + directory.directory() + " (or is no longer a plugin)"));
        Map<Path, PluginSource> before = listing();
        Map<Path, PluginSource> withFresh = new HashMap<>(entries);
        withFresh.put(path, fresh);
        PluginSource listed = DirectoryListing.of(withFresh.values()).get(path);
        if (listed.error().isEmpty()) {
            entries.put(path, fresh);
            Map<Path, PluginSource> after = listing();
            // This plugin is the caller's to reload; others whose key its new id frees or takes are ours.
            before.remove(path);
            after.remove(path);
            loadNew(apply(before, after, List.of()));
        }
        return listed;
    }

    /** The manager unloaded {@code path}'s plugin: forget the entry until it changes. */
    synchronized void forget(Path path) {
        Map<Path, PluginSource> before = listing();
        entries.remove(path);
        loadNew(apply(before, listing(), List.of()));
    }

    private Map<Path, PluginSource> listing() {
        return new HashMap<>(DirectoryListing.of(entries.values()));
    }

    /** Brings the plugins of {@code touched} entries, and of those listed differently now, in step. */
    private List<ManagedPlugin> apply(Map<Path, PluginSource> before, Map<Path, PluginSource> after,
                                      List<Path> touched) {
        Set<Path> affected = new LinkedHashSet<>(touched);
        Set<Path> paths = new LinkedHashSet<>(before.keySet());
        paths.addAll(after.keySet());
        paths.stream().filter(path -> !Objects.equals(before.get(path), after.get(path))).forEach(affected::add);
        // Every unload before any load: a key being given up may be the very key a load needs.
        List<PluginSource> toLoad = new ArrayList<>();
        for (Path path : affected) {
            ManagedPlugin current = pluginAt(path);
            PluginSource wanted = after.get(path);
            if (current == null) {
                if (wanted != null) {
                    toLoad.add(wanted);
                }
            } else if (wanted == null) {
                LOG.info("plugin '{}' was removed from {}", current.id(), directory.directory());
                unload(current, "unloaded");
            } else if (!sameListing(current, wanted)) {
                PluginSource source = current.source();
                if (current.id().equals(wanted.id()) && wanted.error().isEmpty() && source.error().isEmpty()
                        && current.state() == PluginState.RUNNING) {
                    try {
                        current.reload(wanted);
                    } catch (RuntimeException e) {
                        LOG.warn("plugin '{}' changed but cannot be reloaded: {}", current.id(), e.getMessage());
                    }
                } else {
                    unload(current, wanted.error().orElse("unloaded"));
                    toLoad.add(wanted);
                }
            }
        }
        List<ManagedPlugin> added = new ArrayList<>();
        for (PluginSource source : toLoad) {
            ManagedPlugin plugin = new ManagedPlugin(manager, source);
            if (plugins.putIfAbsent(source.id(), plugin) == null) {
                added.add(plugin);
            } else {
                LOG.warn("plugin '{}' from {} not loaded: a plugin with that id is loaded already", source.id(),
                        source.path());
            }
        }
        return added;
    }

    private void loadNew(List<ManagedPlugin> added) {
        for (ManagedPlugin plugin : added) {
            LOG.info("new plugin '{}' in {}", plugin.id(), directory.directory());
            plugin.load(true);
        }
    }

    private static boolean sameListing(ManagedPlugin current, PluginSource wanted) {
        PluginSource source = current.source();
        return current.id().equals(wanted.id()) && source.fingerprint().equals(wanted.fingerprint())
                && source.error().equals(wanted.error());
    }

    private ManagedPlugin pluginAt(Path path) {
        return plugins.values().stream().filter(plugin -> plugin.source().path().equals(path)).findFirst().orElse(null);
    }

    private void unload(ManagedPlugin plugin, String reason) {
        plugin.stop(PluginState.STOPPED, reason);
        plugins.remove(plugin.id(), plugin);
    }
}
