package dev.djinn.cli;

import java.util.Arrays;

/**
 * {@code djinn} in a child process of a test: {@code ChildMain PID args...} runs {@code djinn args...} and
 * ends when process PID ends, so no node outlives the test JVM.
 */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) {
        ProcessHandle.of(Long.parseLong(args[0])).ifPresentOrElse(
                p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)),
                () -> Runtime.getRuntime().halt(3));
        Main.main(Arrays.copyOfRange(args, 1, args.length));
    }
}
