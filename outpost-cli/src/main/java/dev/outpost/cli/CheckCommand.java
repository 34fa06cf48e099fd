package dev.outpost.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

/** {@code outpost check [options] -- CMD [ARGS...]}: a conformance report for any go-plugin plugin. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Launch a plugin (Go, Python, Java...) as a go-plugin host would and report, check by check,"
                + " whether it behaves. Exit status 0 only if every required check passes.")
final class CheckCommand implements Callable<Integer> {

    @Mixin
    HandshakeOptionsMixin options;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--automtls", description = "Ask for go-plugin's automatic mutual TLS and check it.")
    boolean autoMtls;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The plugin's command and its arguments.")
    List<String> command;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        List<Check> checks = new PluginCheck(command, options.handshake(), options.versions(), options.cookie(),
                autoMtls).run();
        boolean passed = checks.stream().noneMatch(Check::blocking);
        if (json) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", command);
            report.put("passed", passed);
            report.put("checks", checks);
            out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            out.println("outpost check " + String.join(" ", command));
            for (Check check : checks) {
                out.printf("  [%s] %-42s %s%n", check.status(), check.name() + (check.required() ? "" : " (optional)"),
                        check.detail().replace("\n", "\n" + " ".repeat(53)));
            }
            out.println(passed ? "PASS: every required check passed" : "FAIL: a required check failed");
        }
        return passed ? 0 : 1;
    }
}
