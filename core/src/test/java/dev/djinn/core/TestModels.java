package dev.djinn.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test models (read-only); the build passes their folder in {@code djinn.models.dir}. */
public final class TestModels {
    private TestModels() {
    }

    public static Path path(String fileName) {
        String dir = System.getProperty("djinn.models.dir");
        if (dir == null) {
            throw new IllegalStateException("system property djinn.models.dir is not set");
        }
        Path p = Path.of(dir, fileName);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test model " + p + " is missing");
        }
        return p;
    }
}
