package dev.outpost.interop;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code outpost run} on a plugins directory, its output (stdout and stderr) read line by line by a thread
 * of its own, so that a test waits for a line with a timeout rather than blocking on the pipe.
 *
 * @param lines the lines taken from {@code output} so far, for messages
 */
record OutpostRun(Process process, BlockingQueue<String> output, Thread reader, List<String> lines) {

    /** Put in {@link #output} after the last line. */
    static final String END = "<end of output>";

    private static final Pattern RUNNING = Pattern.compile("^(\\S+) STARTING -> RUNNING \\[pid (\\d+)\\]$");

    /** {@code outpost run [options] plugins}. */
    static OutpostRun start(Path plugins, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Peers.INTEROP.resolve("../outpost").normalize().toString(), "run"));
        command.addAll(List.of(options));
        command.add(plugins.toString());
        Process run = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        BlockingQueue<String> output = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    output.add(line);
                }
            } catch (java.io.IOException e) {
                output.add("<" + e + ">");
            }
            output.add(END);
        }, "outpost-run-output");
        reader.setDaemon(true);
        reader.start();
        return new OutpostRun(run, output, reader, new ArrayList<>());
    }

    /** The pids of the first {@code count} plugins to reach RUNNING. */
    List<Long> awaitRunning(int count) throws Exception {
        List<Long> pids = new ArrayList<>();
        while (pids.size() < count) {
            Matcher running = RUNNING.matcher(next(count + " plugins did not reach RUNNING"));
            if (running.matches()) {
                pids.add(Long.parseLong(running.group(2)));
            }
        }
        return pids;
    }

    /** Waits until each of {@code ids} has reached RUNNING. */
    void awaitRunning(List<String> ids) throws Exception {
        List<String> waiting = new ArrayList<>(ids);
        while (!waiting.isEmpty()) {
            Matcher running = RUNNING.matcher(next(waiting + " did not reach RUNNING"));
            if (running.matches()) {
                waiting.remove(running.group(1));
            }
        }
    }

    /** The next line, within 90 s; the run is stopped and the test fails with {@code failure} if none comes. */
    private String next(String failure) throws Exception {
        String line = output.poll(90, TimeUnit.SECONDS);
        if (line == null || line.equals(END)) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(failure + "; output: " + lines);
        }
        lines.add(line);
        return line;
    }
}
