package dev.outpost.manager;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host version range as a manifest's {@code requires} writes it: constraints separated by spaces,
 * all of which must hold, each an operator ({@code >= > <= < =}, none meaning {@code =}) and a version
 * {@code MAJOR[.MINOR[.PATCH]]} (a leading {@code v} and a {@code -suffix} are ignored).
 */
final class VersionRange {

    private static final Pattern CONSTRAINT = Pattern.compile("(>=|<=|>|<|=)?\\s*(v?\\d+(?:\\.\\d+){0,2}(?:-[\\w.]+)?)");

    private record Constraint(String operator, int[] version) {
        boolean test(int[] candidate) {
            int order = compare(candidate, version);
            return switch (operator) {
                case ">=" -> order >= 0;
                case ">" -> order > 0;
                case "<=" -> order <= 0;
                case "<" -> order < 0;
                default -> order == 0;
            };
        }
    }

    private final String text;
    private final List<Constraint> constraints;

    private VersionRange(String text, List<Constraint> constraints) {
        this.text = text;
        this.constraints = constraints;
    }

    /** Parses a range; {@link IllegalArgumentException} says which part is wrong. */
    static VersionRange parse(String text) {
        List<Constraint> constraints = new ArrayList<>();
        String rest = text.strip();
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("empty version range");
        }
        Matcher matcher = CONSTRAINT.matcher(rest);
        int position = 0;
        while (position < rest.length()) {
            if (Character.isWhitespace(rest.charAt(position))) {
                position++;
                continue;
            }
            matcher.region(position, rest.length());
            if (!matcher.lookingAt()) {
                throw new IllegalArgumentException("cannot read version constraint \"" + rest.substring(position)
                        + "\" in \"" + text + "\"");
            }
            constraints.add(new Constraint(matcher.group(1) == null ? "=" : matcher.group(1), version(matcher.group(2))));
            position = matcher.end();
        }
        return new VersionRange(text, constraints);
    }

    boolean contains(String version) {
        int[] parsed = version(version);
        return constraints.stream().allMatch(constraint -> constraint.test(parsed));
    }

    static int[] version(String text) {
        String plain = text.strip();
        if (plain.startsWith("v")) {
            plain = plain.substring(1);
        }
        int dash = plain.indexOf('-');
        if (dash >= 0) {
            plain = plain.substring(0, dash);
        }
        String[] parts = plain.split("\\.");
        if (parts.length == 0 || parts.length > 3) {
            throw new IllegalArgumentException("not a version: \"" + text + "\"");
        }
        int[] numbers = new int[3];
        for (int i = 0; i < parts.length; i++) {
            try {
                numbers[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a version: \"" + text + "\"");
            }
        }
        return numbers;
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < 3; i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
