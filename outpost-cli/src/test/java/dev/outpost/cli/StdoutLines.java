package dev.outpost.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What a process writes on stdout, line by line as it comes, then {@link #END}; read on a thread of its own. */
final class StdoutLines {

    static final String END = "<end of output>";

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;

    StdoutLines(Process process) {
        reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                out.lines().forEach(lines::add);
            } catch (IOException e) {
                lines.add("<" + e + ">");
            }
            lines.add(END);
        }, "stdout-of-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** The next line, waiting up to {@code timeout}; null when none came. */
    String poll(long timeout, TimeUnit unit) throws InterruptedException {
        return lines.poll(timeout, unit);
    }

    /** The next line already read, or null. */
    String poll() {
        return lines.poll();
    }

    /** Waits (bounded) until the process's stdout is closed and read to its end. */
    void awaitEnd(long millis) throws InterruptedException {
        reader.join(millis);
    }
}
