package dev.outpost.benchmarks.harness;

import java.io.IOException;

/**
 * The bare JVM a Java plugin is compared with: prints {@code hi} and exits; with the argument {@code wait},
 * prints it and then waits until its standard input ends. The harness runs it through
 * {@code interop/java-plugin} from a jar of its own, so it starts with a Java plugin's JVM options and its own
 * class data archive, recorded the way a plugin's is; {@link BareJvmProbe} times and measures it.
 */
public final class BareJvm {

    private BareJvm() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println("hi");
        System.out.flush();
        if (args.length > 0 && args[0].equals("wait")) {
            // Blocks without a thread of its own; ends when the probe closes the pipe (or dies).
            while (System.in.read() != -1) {
                // the input is only a signal to stop
            }
        }
    }
}
