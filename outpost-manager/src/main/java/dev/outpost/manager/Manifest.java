package dev.outpost.manager;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;
import java.util.Map;

/**
 * What a plugin says about itself: in a plugin folder's {@code plugin.json}, or read from the plugin
 * at its first start. Only {@code id} is required; one of {@code command}, {@code jar} and
 * {@code mainClass} says how to run a folder plugin.
 *
 * <pre>{@code
 * {
 *   "id": "amazing", "name": "Amazing Plugin", "version": "0.1.0", "author": "Someone Amazing",
 *   "jar": "amazing-plugin.jar", "jvmOptions": ["-Xmx64m"],
 *   "sha256": "…", "protocolVersions": [1], "requires": ">=0.1.0 <1.0.0",
 *   "sandbox": {"network": false, "writable": ["data/"]}, "limits": {"memoryMB": 128, "cpuPercent": 50}
 * }
 * }</pre>
 *
 * <p>A plugin folder made by {@code outpost-maven-plugin} runs its main class from a class path of the
 * jars in its {@code lib/}: {@code "mainClass": "com.example.Main", "classPath": ["lib/a.jar", "lib/b.jar"]}.
 *
 * @param id               unique within a manager: letters, digits, {@code . _ -}, at most 64
 * @param name             display name
 * @param version          the plugin's version
 * @param author           who made it
 * @param description      what it does
 * @param command          the program and its arguments, relative to the plugin's folder
 * @param jar              a jar to run with the host's own {@code java}, relative to the folder
 * @param mainClass        a main class to run with the host's own {@code java}, from {@code classPath}
 * @param classPath        the jars (or class folders) of {@code mainClass}, relative to the folder, in order
 * @param args             extra arguments
 * @param env              extra environment variables
 * @param jvmOptions       options for the JVM of a jar or main-class plugin (e.g. a heap limit)
 * @param sha256           the SHA-256 of the executable or jar, hex; checked before every launch
 * @param magicCookie      the magic cookie the plugin expects, {@code KEY=VALUE}: a host with another one
 *                         fails the plugin at once, unless it takes each plugin's cookie from its manifest
 * @param protocolVersions the application protocol versions it speaks
 * @param requires         the host versions it works with, e.g. {@code >=1.2.0 <2.0.0}
 * @param sandbox          how to confine it ({@code "sandbox": true} or an object), or null to run it unconfined
 * @param limits           its resource limits, or null for none
 * @param container        the container it runs in ({@link dev.outpost.host.Container}), or null
 * @param remote           where it is served remotely, for a plugin that runs elsewhere, or null
 */
public record Manifest(String id, String name, String version, String author, String description,
                       List<String> command, String jar, String mainClass, List<String> classPath,
                       List<String> args, Map<String, String> env,
                       List<String> jvmOptions, String sha256, String magicCookie, List<Integer> protocolVersions,
                       String requires, SandboxSpec sandbox, LimitsSpec limits, ContainerSpec container,
                       RemoteSpec remote) {

    /**
     * A manifest's {@code "limits"}, each optional (see {@link dev.outpost.host.Limits}).
     *
     * @param memoryMB   the most memory its processes may use together, in MiB
     * @param processes  the most processes and threads at once
     * @param openFiles  the most open files per process
     * @param cpuPercent CPU time, in percent of one core
     */
    public record LimitsSpec(Long memoryMB, Integer processes, Integer openFiles, Integer cpuPercent) {
    }

    /**
     * A manifest's {@code "sandbox"}: {@code true} for the defaults, or an object. Paths are relative to the
     * plugin's folder; writable ones must stay inside it, readable ones may be anywhere; all must exist.
     *
     * @param network  whether the plugin may use the host's network; false by default
     * @param writable paths inside the folder the plugin may write
     * @param readable further paths it may read
     */
    public record SandboxSpec(boolean network, List<String> writable, List<String> readable) {

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public SandboxSpec {
            writable = writable == null ? List.of() : List.copyOf(writable);
            readable = readable == null ? List.of() : List.copyOf(readable);
        }

        /** {@code "sandbox": true} (the defaults) or {@code false} (none, as without the field). */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static SandboxSpec of(boolean enabled) {
            return enabled ? new SandboxSpec(false, List.of(), List.of()) : null;
        }
    }

    /**
     * A manifest's {@code "container"}: the plugin's command runs in {@code image} (pinned by digest), with
     * {@link dev.outpost.host.Container}'s confinement; it must support broker multiplexing.
     *
     * @param image    the image, {@code name@sha256:<64 hex digits>}
     * @param network  whether it gets the engine's default network; false by default
     * @param memoryMB its memory limit, or null for none
     * @param cpus     the CPUs it may use, e.g. 0.5, or null for no limit
     */
    public record ContainerSpec(String image, boolean network, Long memoryMB, Double cpus) {
    }

    /**
     * A manifest's {@code "remote"}: the plugin is served elsewhere ({@code PluginServer} in its remote mode)
     * and reached at {@code address} with mutual TLS; nothing is launched, so it has no {@code command},
     * {@code jar} or {@code mainClass} (see {@link dev.outpost.host.RemoteConfig}).
     *
     * @param address         {@code host:port}, required
     * @param tls             the host's PEM files, required
     * @param serverName      the name the plugin's certificate must carry; by default the address's host
     * @param protocolVersion the application protocol version it serves; by default the host's handshake's
     */
    public record RemoteSpec(String address, TlsSpec tls, String serverName, Integer protocolVersion) {
    }

    /**
     * A remote plugin's {@code "tls"}: PEM files, relative to the plugin's folder or absolute, all required.
     *
     * @param ca   the authorities the plugin's certificate must chain to
     * @param cert the host's certificate
     * @param key  the host's private key
     */
    public record TlsSpec(String ca, String cert, String key) {
    }

    public Manifest {
        command = command == null ? List.of() : List.copyOf(command);
        classPath = classPath == null ? List.of() : List.copyOf(classPath);
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
        protocolVersions = protocolVersions == null ? List.of() : List.copyOf(protocolVersions);
    }

    /** A manifest with identity fields only, as a plugin reports it about itself. */
    public static Manifest of(String id, String name, String version, String author) {
        return new Manifest(id, name, version, author, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
    }

    /** This manifest with the blanks filled from {@code other} (e.g. what the plugin said about itself). */
    Manifest fillFrom(Manifest other) {
        if (other == null) {
            return this;
        }
        return new Manifest(id, name != null ? name : other.name, version != null ? version : other.version,
                author != null ? author : other.author,
                description != null ? description : other.description, command, jar, mainClass, classPath, args, env,
                jvmOptions, sha256, magicCookie, protocolVersions, requires, sandbox, limits, container, remote);
    }
}
