package dev.outpost.maven;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code plugin.json} of a packaged plugin folder, as outpost-manager reads it: who the plugin is
 * (from the POM) and how to run it (a main class from a class path of the jars in {@code lib/}). Blank
 * fields are left out, so the manager fills them from what the plugin says about itself.
 */
record ManifestJson(String id, String name, String version, String author, String description, String mainClass,
                    List<String> classPath, List<String> args, List<String> jvmOptions,
                    String magicCookie, List<Integer> protocolVersions, String requires) {

    /** The manager's rule for ids. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

    ManifestJson {
        classPath = classPath == null ? List.of() : List.copyOf(classPath);
        args = args == null ? List.of() : List.copyOf(args);
        jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
        protocolVersions = protocolVersions == null ? List.of() : List.copyOf(protocolVersions);
    }

    /** What is wrong with the fields the manager would refuse, or null: caught at build time, not at the first start. */
    String problem() {
        if (id == null || !ID.matcher(id).matches()) {
            return "id \"" + id + "\" must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
                    + " (set <id> in the plugin's configuration)";
        }
        if (magicCookie != null && !magicCookie.isBlank()
                && (magicCookie.indexOf('=') <= 0 || magicCookie.endsWith("="))) {
            return "magicCookie \"" + magicCookie + "\" must be KEY=VALUE (the plugin's handshake cookie)";
        }
        if (mainClass == null || !CLASS_NAME.matcher(mainClass).matches()) {
            return "mainClass \"" + mainClass + "\" is not a class name (set <mainClass> in the plugin's configuration)";
        }
        return null;
    }

    /** The JSON text, one field a line, in a fixed order (the same POM gives the same bytes). */
    String toJson() {
        StringBuilder json = new StringBuilder("{\n");
        field(json, "id", id);
        field(json, "name", name);
        field(json, "version", version);
        field(json, "author", author);
        field(json, "description", description);
        field(json, "mainClass", mainClass);
        strings(json, "classPath", classPath);
        strings(json, "args", args);
        strings(json, "jvmOptions", jvmOptions);
        field(json, "magicCookie", magicCookie);
        if (!protocolVersions.isEmpty()) {
            json.append("  \"protocolVersions\": ").append(protocolVersions.toString()).append(",\n");
        }
        field(json, "requires", requires);
        json.setLength(json.length() - 2); // the last field's ",\n"
        return json.append("\n}\n").toString();
    }

    private static void field(StringBuilder json, String key, String value) {
        if (value != null && !value.isBlank()) {
            json.append("  \"").append(key).append("\": ");
            // A POM's <description> is often indented over several lines: one line of text in the manifest.
            quote(json, value.strip().replaceAll("\\s+", " "));
            json.append(",\n");
        }
    }

    private static void strings(StringBuilder json, String key, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        json.append("  \"").append(key).append("\": [");
        for (int i = 0; i < values.size(); i++) {
            json.append(i == 0 ? "" : ", ");
            quote(json, values.get(i));
        }
        json.append("],\n");
    }

    /** A JSON string: RFC 8259's escapes, control characters as {@code \}{@code uXXXX}. */
    static void quote(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
