package dev.djinn.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs {@code djinn} in-process and captures what it prints. */
final class Cli {
    record Run(int exitCode, String out, String err) {
    }

    private Cli() {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A shared test model (read-only); the build passes their folder in {@code djinn.models.dir}. */
    static Path model(String fileName) {
        Path p = Path.of(System.getProperty("djinn.models.dir", "djinn.models.dir-is-not-set"), fileName);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test model " + p + " is missing");
        }
        return p;
    }
}
