package dev.outpost.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where this host's cgroups are, from {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}: per
 * controller under cgroup v1 (also in "hybrid" mode, where a v2 hierarchy without controllers sits
 * beside them), or the one v2 hierarchy.
 *
 * @param mounts the cgroup file systems
 * @param groups the lines of {@code /proc/self/cgroup}
 */
record CgroupMounts(List<Mount> mounts, List<Group> groups) {

    /**
     * One cgroup file system.
     *
     * @param point   where it is mounted
     * @param root    the part of the hierarchy it shows (not "/" in a cgroup namespace or a bind mount)
     * @param v2      whether it is cgroup2
     * @param options its super options: the controllers of a v1 hierarchy
     */
    record Mount(Path point, Path root, boolean v2, List<String> options) {
    }

    /**
     * This process's cgroup in one hierarchy.
     *
     * @param id          the hierarchy's id, 0 for v2
     * @param controllers its controllers, empty for v2
     * @param path        the cgroup, from the hierarchy's root
     */
    record Group(String id, List<String> controllers, Path path) {
    }

    CgroupMounts {
        mounts = List.copyOf(mounts);
        groups = List.copyOf(groups);
    }

    static CgroupMounts read() {
        List<Mount> mounts = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // id parent major:minor root mountpoint options [optional...] - type source superoptions
                List<String> fields = List.of(line.split(" "));
                int dash = fields.indexOf("-");
                if (dash > 0 && dash + 3 < fields.size() && fields.get(dash + 1).startsWith("cgroup")) {
                    mounts.add(new Mount(Path.of(unescape(fields.get(4))), Path.of(unescape(fields.get(3))),
                            fields.get(dash + 1).equals("cgroup2"), List.of(fields.get(dash + 3).split(","))));
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] fields = line.split(":", 3);
                if (fields.length == 3) {
                    groups.add(new Group(fields[0], fields[1].isEmpty() ? List.of() : Arrays.asList(fields[1].split(",")),
                            Path.of(fields[2])));
                }
            }
        } catch (IOException e) {
            // Not Linux, or no /proc: no cgroups, and PluginCgroup.create says so.
        }
        return new CgroupMounts(mounts, groups);
    }

    /** Whether the controllers are in the v2 hierarchy: no v1 hierarchy has any of those Outpost uses. */
    boolean v2() {
        return mounts.stream().noneMatch(mount -> !mount.v2() && (mount.options().contains("memory")
                || mount.options().contains("cpu") || mount.options().contains("pids")));
    }

    /**
     * This process's own cgroup directory for {@code controller} (v1), or its v2 directory (for any
     * controller, {@code ""} included).
     */
    Optional<Path> own(String controller) {
        boolean v2 = v2();
        for (Mount mount : mounts) {
            if (v2 ? !mount.v2() : mount.v2() || !mount.options().contains(controller)) {
                continue;
            }
            for (Group group : groups) {
                boolean match = v2 ? group.id().equals("0") && group.controllers().isEmpty()
                        : group.controllers().contains(controller);
                if (match) {
                    // In a cgroup namespace or a bind mount, the mount shows a subtree: the path is relative to it.
                    Path relative = group.path().startsWith(mount.root()) ? mount.root().relativize(group.path())
                            : Path.of("");
                    Path dir = mount.point().resolve(relative.toString());
                    if (Files.isDirectory(dir)) {
                        return Optional.of(dir);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** mountinfo writes spaces and the like as octal escapes. */
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
