package dev.outpost.benchmarks.profile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A phase of a benchmark in wall-clock time, as {@code benchmarks/profile.sh} passes it:
 * {@code LABEL=FROM_MS-TO_MS[:CALLS]}, epoch milliseconds, with the calls made in it (0 when not given).
 */
record Window(String label, long fromMillis, long toMillis, long calls) {

    static Window parse(String arg) {
        String[] labelAndRest = arg.split("=", 2);
        if (labelAndRest.length != 2) {
            throw new IllegalArgumentException("a window is LABEL=FROM_MS-TO_MS[:CALLS], got " + arg);
        }
        String[] rangeAndCalls = labelAndRest[1].split(":", 2);
        String[] range = rangeAndCalls[0].split("-", 2);
        return new Window(labelAndRest[0], Long.parseLong(range[0]), Long.parseLong(range[1]),
                rangeAndCalls.length > 1 ? Long.parseLong(rangeAndCalls[1]) : 0);
    }

    /** The windows of {@code args} from index {@code from} on. */
    static List<Window> parseAll(String[] args, int from) {
        List<Window> windows = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            windows.add(parse(args[i]));
        }
        return windows;
    }

    boolean contains(Instant time) {
        return containsMicros(time.toEpochMilli() * 1000);
    }

    boolean containsMicros(long epochMicros) {
        return epochMicros >= fromMillis * 1000 && epochMicros < toMillis * 1000;
    }

    double seconds() {
        return (toMillis - fromMillis) / 1000.0;
    }
}
