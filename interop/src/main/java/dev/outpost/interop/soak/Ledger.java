package dev.outpost.interop.soak;

import dev.outpost.PluginException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every call of the soak, by id: issued once, ended once. A call ends when its caller sees it return or
 * throw, or when the watchdog gives up on it ({@link #markHung}); whichever comes second is counted apart
 * (a late end of a hung call, or a double end, which would be the soak's own bug) and changes no total.
 */
final class Ledger {

    private static final int NOT_ISSUED = 0;
    private static final int IN_FLIGHT = 1;
    private static final int ENDED = 2;
    private static final int HUNG = 3;
    private static final int EXAMPLES = 3;

    private final int capacity;
    private final AtomicLong next = new AtomicLong();
    private final AtomicIntegerArray state;
    /** Nanoseconds each ended call took; written once, by the thread that ended it. */
    private final long[] latency;
    private final LongAdder succeeded = new LongAdder();
    private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
    private final Map<String, List<String>> failureExamples = new ConcurrentHashMap<>();
    private final LongAdder untyped = new LongAdder();
    private final LongAdder hung = new LongAdder();
    private final LongAdder lateEnds = new LongAdder();
    private final LongAdder doubleEnds = new LongAdder();
    private final LongAdder wrongValues = new LongAdder();
    private final List<String> untypedExamples = new ArrayList<>();
    private final List<String> hungExamples = new ArrayList<>();
    private final List<String> wrongExamples = new ArrayList<>();

    Ledger(int capacity) {
        this.capacity = capacity;
        this.state = new AtomicIntegerArray(capacity);
        this.latency = new long[capacity];
    }

    /** The next call's id, now in flight; -1 once every call has been issued. */
    int issue() {
        long id = next.getAndIncrement();
        if (id >= capacity) {
            return -1;
        }
        if (!state.compareAndSet((int) id, NOT_ISSUED, IN_FLIGHT)) {
            throw new IllegalStateException("call " + id + " issued twice");
        }
        return (int) id;
    }

    void succeeded(int id, long nanos) {
        if (end(id, nanos)) {
            succeeded.increment();
        }
    }

    /** A success whose answer is not one this caller could have been given. */
    void wrongValue(int id, long nanos, String what) {
        if (end(id, nanos)) {
            succeeded.increment();
            wrongValues.increment();
            example(wrongExamples, "call " + id + ": " + what);
        }
    }

    /** The call threw: a {@link PluginException} counts by its class, anything else as untyped. */
    void threw(int id, long nanos, Throwable error) {
        if (!end(id, nanos)) {
            return;
        }
        if (error instanceof PluginException) {
            String type = error.getClass().getSimpleName();
            failed.computeIfAbsent(type, t -> new LongAdder()).increment();
            List<String> examples = failureExamples.computeIfAbsent(type, t -> new ArrayList<>());
            example(examples, error.getMessage());
        } else {
            untyped.increment();
            example(untypedExamples, "call " + id + ": " + error + stack(error.getStackTrace()));
        }
    }

    /** The watchdog's verdict on a call still in flight past its limit; false if it has ended meanwhile. */
    boolean markHung(int id, String where) {
        if (!state.compareAndSet(id, IN_FLIGHT, HUNG)) {
            return false;
        }
        hung.increment();
        example(hungExamples, "call " + id + ": " + where);
        return true;
    }

    private boolean end(int id, long nanos) {
        if (state.compareAndSet(id, IN_FLIGHT, ENDED)) {
            latency[id] = nanos;
            return true;
        }
        if (state.get(id) == HUNG) {
            lateEnds.increment();
        } else {
            doubleEnds.increment();
        }
        return false;
    }

    private static void example(List<String> examples, String text) {
        synchronized (examples) {
            if (examples.size() < EXAMPLES) {
                examples.add(text);
            }
        }
    }

    static String stack(StackTraceElement[] trace) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(trace.length, 12); i++) {
            text.append("\n    at ").append(trace[i]);
        }
        return text.toString();
    }

    /** The totals now; call once every caller has stopped. */
    Totals totals() {
        int issued = (int) Math.min(next.get(), capacity);
        long[] ended = new long[issued];
        int count = 0;
        int stillInFlight = 0;
        for (int id = 0; id < issued; id++) {
            int s = state.get(id);
            if (s == ENDED) {
                ended[count++] = latency[id];
            } else if (s == IN_FLIGHT) {
                stillInFlight++;
            }
        }
        long[] sorted = Arrays.copyOf(ended, count);
        Arrays.sort(sorted);
        Map<String, Long> failures = new TreeMap<>();
        failed.forEach((type, n) -> failures.put(type, n.sum()));
        Map<String, List<String>> examples = new TreeMap<>();
        failureExamples.forEach((type, list) -> examples.put(type, List.copyOf(list)));
        return new Totals(issued, succeeded.sum(), failures, examples, hung.sum(), untyped.sum(), stillInFlight,
                lateEnds.sum(), doubleEnds.sum(), wrongValues.sum(), percentile(sorted, 0.50),
                percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1],
                copy(untypedExamples), copy(hungExamples), copy(wrongExamples));
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static List<String> copy(List<String> examples) {
        synchronized (examples) {
            return List.copyOf(examples);
        }
    }

    /**
     * What the ledger says.
     *
     * @param inFlight calls neither ended nor given up on: callers still running, which must not happen
     * @param p50Nanos latency of the calls that ended (succeeded or failed), median
     */
    record Totals(int issued, long succeeded, Map<String, Long> failed, Map<String, List<String>> failureExamples,
                  long hung, long untyped, int inFlight, long lateEnds, long doubleEnds, long wrongValues,
                  long p50Nanos, long p99Nanos, long maxNanos, List<String> untypedExamples,
                  List<String> hungExamples, List<String> wrongExamples) {

        long failedTotal() {
            return failed.values().stream().mapToLong(Long::longValue).sum();
        }

        /** issued == succeeded + failed + hung + untyped, with nothing left in flight and nothing ended twice. */
        boolean addsUp() {
            return inFlight == 0 && doubleEnds == 0 && issued == succeeded + failedTotal() + hung + untyped;
        }
    }
}
