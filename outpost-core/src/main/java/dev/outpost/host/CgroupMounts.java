package dev.outpost.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where this host's cgroups are, from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}: per
 * controller under cgroup v1 (also in "hybrid" mode, where a v2 hierarchy without controllers sits
 * beside them), or the one v2 hierarchy.
 *
 * @param mounts the cgroup file systems: mount point, mount root, type, super options
 * @param groups the lines of {@code /proc/self/cgroup}: id, controllers, path
 */
record CgroupMounts(List<String[]> mounts, List<String[]> groups) {

    static CgroupMounts read() {
        List<String[]> mounts = new ArrayList<>();
        List<String[]> groups = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mountpoint options [optional...] - type source superoptions
                String[] fields = line.split(" ");
                int dash = java.util.Arrays.asList(fields).indexOf("-");
                if (dash > 0 && dash + 3 < fields.length && fields[dash + 1].startsWith("cgroup")) {
                    mounts.add(new String[] {unescape(fields[4]), unescape(fields[3]), fields[dash + 1],
                            fields[dash + 3]});
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] fields = line.split(":", 3);
                if (fields.length == 3) {
                    groups.add(fields);
                }
            }
        } catch (IOException e) {
            // Not Linux, or no /proc: no cgroups, and create() says so.
        }
        return new CgroupMounts(mounts, groups);
    }

    /** Whether the controllers are in the v2 hierarchy: no v1 hierarchy has any of those Outpost uses. */
    boolean v2() {
        return mounts.stream().noneMatch(mount -> mount[2].equals("cgroup") && (has(mount[3], "memory")
                || has(mount[3], "cpu") || has(mount[3], "pids")));
    }

    /**
     * This process's own cgroup directory for {@code controller} (v1), or its v2 directory (for any
     * controller, {@code ""} included).
     */
    Optional<Path> own(String controller) {
        boolean v2 = v2();
        for (String[] mount : mounts) {
            if (v2 ? !mount[2].equals("cgroup2") : !mount[2].equals("cgroup") || !has(mount[3], controller)) {
                continue;
            }
            for (String[] group : groups) {
                boolean match = v2 ? group[0].equals("0") && group[1].isEmpty() : has(group[1], controller);
                if (match) {
                    Path root = Path.of(mount[1]);
                    Path path = Path.of(group[2]);
                    // In a cgroup namespace or a bind mount, the mount shows a subtree: the path is relative to it.
                    Path relative = path.startsWith(root) ? root.relativize(path) : Path.of("");
                    Path dir = Path.of(mount[0]).resolve(relative.toString());
                    if (Files.isDirectory(dir)) {
                        return Optional.of(dir);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean has(String commaList, String word) {
        return java.util.Arrays.asList(commaList.split(",")).contains(word);
    }

    /** mountinfo writes spaces and the like as octal escapes. */
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
