package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The interop peers and launchers. The Go and Python peers are built once per test JVM by
 * {@code interop/peers/build.sh}; when their toolchain is missing the tests are aborted on a
 * developer's machine, and fail under CI, where it must be installed.
 */
final class Peers {

    static final Path INTEROP = Path.of(System.getProperty("outpost.interop.dir", ".")).toAbsolutePath();
    static final Path OUT = Path.of(System.getProperty("outpost.peers.dir", "target/peers")).toAbsolutePath();

    /** build.sh's exit status when only the go-plugin v1.8 peers could not be built (their tree is missing). */
    private static final int V18_MISSING = 3;

    private static String buildProblem;
    private static String v18Problem;
    private static boolean built;

    private Peers() {
    }

    static synchronized void build() throws IOException, InterruptedException {
        if (!built) {
            Result result = run(List.of("bash", INTEROP.resolve("peers/build.sh").toString(), OUT.toString()),
                    Map.of(), 300);
            built = true;
            if (result.exitCode() == V18_MISSING) {
                v18Problem = "the go-plugin v1.8.0 peers were not built:\n" + result.stderr();
            } else if (result.exitCode() != 0) {
                buildProblem = "building the Go and Python peers failed (exit " + result.exitCode() + "):\n"
                        + result.stderr();
            }
        }
        unavailable(buildProblem);
    }

    /** Builds the peers if needed, and makes sure the go-plugin v1.8.0 ones are there too. */
    static synchronized void buildWithV18() throws IOException, InterruptedException {
        build();
        unavailable(v18Problem);
    }

    /** Aborts the test on a developer's machine, fails it under CI, when a peer is missing. */
    private static void unavailable(String problem) {
        if (problem != null) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(problem);
            }
            Assumptions.abort(problem);
        }
    }

    static String goPlugin() {
        return OUT.resolve("go-kv-plugin").toString();
    }

    /** A go-plugin v1.0.1 plugin that continues the host's trace with OpenTelemetry Go (see interop/peers/go). */
    static String goTracedPlugin() {
        return OUT.resolve("go-traced-plugin").toString();
    }

    static String goHost() {
        return OUT.resolve("go-kv-host").toString();
    }

    /** go-plugin v1.8.0's host, written as its examples are (see interop/peers/go18). */
    static String go18Host() {
        return OUT.resolve("go18-kv-host").toString();
    }

    static String go18Plugin() {
        return OUT.resolve("go18-kv-plugin").toString();
    }

    static String pythonPlugin() {
        return OUT.resolve("python-kv-plugin").toString();
    }

    static String javaPlugin() {
        return INTEROP.resolve("java-kv-plugin").toString();
    }

    static String javaHost() {
        return INTEROP.resolve("java-kv-host").toString();
    }

    /** What a host printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }

        /** Asserts a PASS line, showing everything the host printed otherwise. */
        Result passed() {
            assertThat(lastLine()).as("last line of stdout; stderr was:\n%s", stderr).startsWith("PASS ");
            assertThat(exitCode).isZero();
            return this;
        }
    }

    static Result run(List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
        builder.environment().putAll(env);
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s; stdout:\n"
                    + out.getNow("") + "\nstderr:\n" + err.getNow(""));
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("<" + e + ">");
            }
        }, "peer-output");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
