package dev.outpost.interop.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The soak's settings.
 *
 * @param calls           how many calls to make in all
 * @param seed            the seed of every random choice (callers' and chaos'), printed so a run can be repeated
 * @param callers         caller threads
 * @param rate            calls per second at most, all callers together; 0: unpaced
 * @param callTimeout     each call's deadline (the manager's callTimeout)
 * @param unavailableWait how long a call waits for a restarting plugin
 * @param startTimeout    each plugin start's timeout
 * @param chaosMinMillis  the shortest wait between two chaos actions
 * @param chaosMaxMillis  the longest
 * @param maxTime         the calls stop being issued after this, and the run fails
 * @param peers           where interop/peers/build.sh put the Go and Python peers
 * @param interop         the interop module (its java-kv-plugin launcher)
 * @param markdown        where to write the report as Markdown too, or null
 * @param command         the command line to quote in the report, or null
 */
public record SoakOptions(int calls, long seed, int callers, int rate, Duration callTimeout, Duration unavailableWait,
                          Duration startTimeout, long chaosMinMillis, long chaosMaxMillis, Duration maxTime, Path peers,
                          Path interop, Path markdown, String command) {

    static final String USAGE = """
            usage: ChaosSoak --peers DIR --interop DIR [--calls N] [--seed S] [--callers N] [--rate CALLS_PER_S]
                             [--chaos-ms MIN-MAX] [--max-minutes M] [--markdown FILE] [--command TEXT]
              --peers: the directory interop/peers/build.sh built into; --interop: the interop module
              defaults: 20000 calls, a random seed, 16 callers, 500 calls/s, chaos every 200-2000 ms, 60 minutes""";

    /** The calls' hung limit: a call may wait for a restart, then run to its deadline; 2 s more is the margin. */
    public Duration hungLimit() {
        return unavailableWait.plus(callTimeout).plusSeconds(2);
    }

    /** The defaults, with the given peers, interop module, calls and seed. */
    public static SoakOptions defaults(Path peers, Path interop, int calls, long seed) {
        return new SoakOptions(calls, seed, 16, 500, Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(10),
                200, 2000, Duration.ofMinutes(60), peers, interop, null, null);
    }

    static SoakOptions parse(String[] args) {
        SoakOptions o = defaults(null, null, 20_000, ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        int calls = o.calls;
        long seed = o.seed;
        int callers = o.callers;
        int rate = o.rate;
        long chaosMin = o.chaosMinMillis;
        long chaosMax = o.chaosMaxMillis;
        Duration maxTime = o.maxTime;
        Path peers = null;
        Path interop = null;
        Path markdown = null;
        String command = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            String value = args[++i];
            try {
                switch (arg) {
                    case "--calls" -> calls = positive(arg, Integer.parseInt(value));
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--callers" -> callers = positive(arg, Integer.parseInt(value));
                    case "--rate" -> rate = Math.max(0, Integer.parseInt(value));
                    case "--chaos-ms" -> {
                        String[] range = value.split("-", 2);
                        chaosMin = Long.parseLong(range[0]);
                        chaosMax = range.length > 1 ? Long.parseLong(range[1]) : chaosMin;
                        if (chaosMin < 1 || chaosMax < chaosMin) {
                            throw new IllegalArgumentException("--chaos-ms needs MIN-MAX with 1 <= MIN <= MAX, got " + value);
                        }
                    }
                    case "--max-minutes" -> maxTime = Duration.ofMinutes(positive(arg, Integer.parseInt(value)));
                    case "--peers" -> peers = Path.of(value);
                    case "--interop" -> interop = Path.of(value);
                    case "--markdown" -> markdown = Path.of(value);
                    case "--command" -> command = value;
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(arg + " needs a number, got " + value);
            }
        }
        if (peers == null || interop == null) {
            throw new IllegalArgumentException("--peers and --interop are required");
        }
        return new SoakOptions(calls, seed, callers, rate, o.callTimeout, o.unavailableWait, o.startTimeout, chaosMin,
                chaosMax, maxTime, peers, interop, markdown, command);
    }

    private static int positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
        return value;
    }

    /** The same settings with another number of calls and time limit (for a short run). */
    public SoakOptions withCalls(int newCalls, Duration newMaxTime) {
        return new SoakOptions(newCalls, seed, callers, rate, callTimeout, unavailableWait, startTimeout, chaosMinMillis,
                chaosMaxMillis, newMaxTime, peers, interop, markdown, command);
    }
}
