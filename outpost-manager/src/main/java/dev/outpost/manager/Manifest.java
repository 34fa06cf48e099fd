package dev.outpost.manager;

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
 *   "sha256": "…", "protocolVersions": [1], "requires": ">=0.1.0 <1.0.0"
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
 */
public record Manifest(String id, String name, String version, String author, String description,
                       List<String> command, String jar, String mainClass, List<String> classPath,
                       List<String> args, Map<String, String> env,
                       List<String> jvmOptions, String sha256, String magicCookie, List<Integer> protocolVersions,
                       String requires) {

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
                null, null);
    }

    /** This manifest with the blanks filled from {@code other} (e.g. what the plugin said about itself). */
    Manifest fillFrom(Manifest other) {
        if (other == null) {
            return this;
        }
        return new Manifest(id, name != null ? name : other.name, version != null ? version : other.version,
                author != null ? author : other.author,
                description != null ? description : other.description, command, jar, mainClass, classPath, args, env,
                jvmOptions, sha256, magicCookie, protocolVersions, requires);
    }
}
