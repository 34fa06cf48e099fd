package dev.outpost.cli;

import dev.outpost.host.PluginClient;
import java.util.Arrays;
import java.util.List;

/**
 * A throwaway host for {@code outpost check}: starts the plugin, prints {@code PLUGIN <pid> <address>},
 * and waits to be killed, so that the check can see whether the plugin outlives it.
 */
public final class OrphanProbe {

    private OrphanProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> arguments = Arrays.asList(args);
        int separator = arguments.indexOf("--");
        HandshakeOptions options = new HandshakeOptions();
        options.cookie = arguments.get(arguments.indexOf("--cookie") + 1);
        options.versions = Arrays.stream(arguments.get(arguments.indexOf("--versions") + 1).split(","))
                .map(Integer::valueOf).toList();
        List<String> command = arguments.subList(separator + 1, arguments.size());
        PluginClient plugin = PluginClient.start(PluginCheck.config(command, options.handshake(), options.versions)
                .managed(false).build());
        System.out.println("PLUGIN " + plugin.pid() + " " + plugin.handshake().address());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
