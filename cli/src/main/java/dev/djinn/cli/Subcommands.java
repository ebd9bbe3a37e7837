package dev.djinn.cli;

import java.util.List;

/** Every subcommand of {@code djinn}, in the order help lists them. Add new commands here. */
final class Subcommands {
    private Subcommands() {
    }

    static List<Object> all() {
        return List.of(new RunCommand(), new ServeCommand(), new BenchCommand(), new InspectCommand(),
                new QuantizeCommand(), new SynthCommand(), new NodeCommand(), new ClusterCommand());
    }
}
