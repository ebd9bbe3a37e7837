package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code djinn} command: dispatches to subcommands and turns user errors into one-line messages. */
@Command(name = "djinn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Distributed Java INference Node: run GGUF language models on one machine or a cluster.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; tests call this instead of {@link #main}. */
    public static int run(String... args) {
        // UTF-8 whatever the platform default: generated text is UTF-8
        return run(new PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), true),
                new PrintWriter(new java.io.OutputStreamWriter(System.err, java.nio.charset.StandardCharsets.UTF_8), true),
                args);
    }

    /** Runs the command line with its output and error streams given, so tests can capture them. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        for (Object sub : Subcommands.all()) {
            cl.addSubcommand(sub);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(Main::handleError);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        Throwable t = e;
        while (!(t instanceof DjinnException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof DjinnException || t instanceof java.io.IOException) {
            cl.getErr().println("djinn: " + t.getMessage());
            return 1;
        }
        if (t instanceof OutOfMemoryError) {
            cl.getErr().println("djinn: out of memory; give the JVM more with DJINN_JAVA_OPTS=-Xmx... or use a smaller context");
            return 1;
        }
        cl.getErr().println("djinn: internal error: " + e);
        if (System.getenv("DJINN_DEBUG") != null) {
            e.printStackTrace(cl.getErr());
        } else {
            cl.getErr().println("(set DJINN_DEBUG=1 for the stack trace)");
        }
        return 2;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"djinn " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
