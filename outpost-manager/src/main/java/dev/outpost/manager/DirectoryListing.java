package dev.outpost.manager;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which plugin each entry of the directory is listed as. An id claimed by one entry is that entry's.
 * An id claimed by several is nobody's: which one would win depends on nothing the user chose, so every
 * claimant fails, saying which entries claim it, until all but one are gone. Entries without an id of
 * their own (failed claimants, folders whose manifest gives none) are listed under their file name, or
 * {@code ./<file name>} when that is a plugin's id: no id or file name contains a {@code /}, so every
 * entry gets a key of its own.
 */
final class DirectoryListing {

    private DirectoryListing() {
    }

    /** The source to list for each entry, by path; its {@link PluginSource#id} is the key to list it under. */
    static Map<Path, PluginSource> of(Collection<PluginSource> entries) {
        Map<String, List<PluginSource>> claims = new TreeMap<>();
        for (PluginSource entry : entries) {
            if (entry.claimsId()) {
                claims.computeIfAbsent(entry.id(), id -> new ArrayList<>()).add(entry);
            }
        }
        Set<String> owned = new HashSet<>();
        claims.forEach((id, claimants) -> {
            if (claimants.size() == 1) {
                owned.add(id);
            }
        });
        Map<Path, PluginSource> listed = new LinkedHashMap<>();
        for (PluginSource entry : entries.stream().sorted(Comparator.comparing(PluginSource::path)).toList()) {
            List<PluginSource> claimants = entry.claimsId() ? claims.get(entry.id()) : List.of();
            if (entry.claimsId() && claimants.size() == 1) {
                listed.put(entry.path(), entry);
                continue;
            }
            String name = entry.path().getFileName().toString();
            PluginSource renamed = entry.renamed(owned.contains(name) ? "./" + name : name);
            listed.put(entry.path(), claimants.size() > 1 ? renamed.failed(conflict(entry.id(), claimants)) : renamed);
        }
        return listed;
    }

    private static String conflict(String id, List<PluginSource> claimants) {
        List<String> paths = claimants.stream().map(PluginSource::path).sorted().map(Path::toString).toList();
        return "id '" + id + "' is claimed by " + (paths.size() == 2 ? "both " + paths.get(0) + " and " + paths.get(1)
                : paths.size() + " entries: " + paths.stream().collect(Collectors.joining(", ")));
    }
}
