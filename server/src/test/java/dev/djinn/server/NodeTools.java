package dev.djinn.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * Node.js for the client tests: pinned npm packages installed once into {@code server/target/npm} (never into the
 * sources), and scripts from {@code src/test/node} run against a live server. A missing node or an unreachable npm
 * registry fails the test with a message saying so; it never skips.
 */
public final class NodeTools {
    public static final String OPENAI = "openai@5.23.2";
    public static final String PLAYWRIGHT = "playwright-core@1.65.1";

    private NodeTools() {
    }

    public static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    /** Installs the packages (name@version) unless that version is already there; returns the npm prefix. */
    public static synchronized Path install(String... packages) {
        Path prefix = moduleDir().resolve("target/npm");
        List<String> missing = new ArrayList<>();
        for (String spec : packages) {
            int at = spec.lastIndexOf('@');
            Path manifest = prefix.resolve("node_modules").resolve(spec.substring(0, at)).resolve("package.json");
            try {
                if (!Files.isRegularFile(manifest)
                        || !Files.readString(manifest).contains("\"version\": \"" + spec.substring(at + 1) + "\"")) {
                    missing.add(spec);
                }
            } catch (IOException e) {
                missing.add(spec);
            }
        }
        if (!missing.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund", "--no-save",
                    "--prefix", prefix.toString()));
            cmd.addAll(missing);
            Result r = run(cmd, prefix.getParent(), 300);
            if (r.exit() != 0) {
                fail("npm could not install " + missing + " (the npm registry must be reachable for this test):\n"
                        + r.output());
            }
        }
        return prefix;
    }

    /** Copies {@code src/test/node/NAME} beside the installed packages (so its imports resolve) and runs it. */
    public static Result runScript(String name, int timeoutSeconds, String... args) {
        Path prefix = moduleDir().resolve("target/npm");
        try {
            Files.createDirectories(prefix);
            Path script = prefix.resolve(name);
            Files.copy(moduleDir().resolve("src/test/node").resolve(name), script,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            List<String> cmd = new ArrayList<>(List.of("node", script.toString()));
            cmd.addAll(List.of(args));
            return run(cmd, prefix, timeoutSeconds);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Result(int exit, String output) {
    }

    private static Result run(List<String> cmd, Path dir, int timeoutSeconds) {
        try {
            Files.createDirectories(dir);
            Path log = Files.createTempFile("djinn-node", ".log");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Result(done ? p.exitValue() : -1, done ? out : out + "\n(timed out after " + timeoutSeconds
                    + " s)");
        } catch (IOException e) {
            fail("could not run " + cmd.getFirst() + " (Node.js and npm are needed for this test): " + e.getMessage());
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
