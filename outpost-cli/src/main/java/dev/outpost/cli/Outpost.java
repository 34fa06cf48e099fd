package dev.outpost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code outpost} command. */
@Command(name = "outpost", mixinStandardHelpOptions = true, version = "outpost 0.1.0",
        description = "Reliable out-of-process plugins for Java, wire-compatible with HashiCorp go-plugin.",
        subcommands = {DemoCommand.class, RunCommand.class, CheckCommand.class})
public final class Outpost {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        return new CommandLine(new Outpost()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }
}
