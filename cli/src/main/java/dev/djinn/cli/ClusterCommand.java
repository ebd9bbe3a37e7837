package dev.djinn.cli;

import dev.djinn.cluster.ClusterClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code djinn cluster}: commands about a running cluster. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Inspect a running cluster.",
        subcommands = {ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Each node's name, address, layers, memory and speed, and the round-trip time and "
                    + "bandwidth of each link of the ring.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--peers", required = true, split = ",", paramLabel = "HOST:PORT,...",
                description = "any node(s) of the cluster")
        String[] peers;

        @Option(names = "--cluster-secret", paramLabel = "S", defaultValue = "${env:DJINN_CLUSTER_SECRET}",
                description = "the cluster's secret (default: $DJINN_CLUSTER_SECRET)")
        String secret;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (ClusterClient c = new ClusterClient(Arrays.stream(peers).map(String::trim).toList(),
                    secret == null ? "" : secret)) {
                spec.commandLine().getOut().print(c.status());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
