package dev.outpost.internal.wire;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Application protocol version negotiation through {@value PluginEnv#PROTOCOL_VERSIONS}. */
public final class ProtocolVersions {

    private ProtocolVersions() {
    }

    /** Formats versions as the host sends them: ascending, comma-separated, no spaces. */
    public static String format(Collection<Integer> versions) {
        return new TreeSet<>(versions).stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /**
     * Parses the host's list. Items that are not decimal integers are skipped and reported to
     * {@code onInvalid}, as go-plugin does; a missing or empty value means a legacy host (empty list).
     */
    public static List<Integer> parse(String value, Consumer<String> onInvalid) {
        List<Integer> versions = new ArrayList<>();
        if (value == null || value.isEmpty()) {
            return versions;
        }
        for (String item : value.split(",", -1)) {
            try {
                versions.add(Integer.parseInt(item));
            } catch (NumberFormatException e) {
                onInvalid.accept(item);
            }
        }
        return versions;
    }

    /**
     * Picks the version a plugin answers with: the highest version both sides speak, or, when there
     * is none, the plugin's lowest, so that the host fails with a message naming both lists.
     *
     * @param pluginVersions the versions the plugin serves, not empty
     * @param hostVersions   the versions the host offered
     */
    public static int negotiate(Collection<Integer> pluginVersions, Collection<Integer> hostVersions) {
        NavigableSet<Integer> ours = new TreeSet<>(pluginVersions);
        if (ours.isEmpty()) {
            throw new IllegalArgumentException("a plugin must serve at least one protocol version");
        }
        for (Integer version : ours.descendingSet()) {
            if (hostVersions.contains(version)) {
                return version;
            }
        }
        return ours.first();
    }
}
