package dev.djinn.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** llama.cpp's reference outputs in ../shared/models (see its README). */
public final class ReferenceData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceData() {
    }

    public static Path modelsDir() {
        String prop = System.getProperty("djinn.models.dir");
        Path dir = prop != null ? Path.of(prop) : Path.of("..", "..", "shared", "models");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("..", "shared", "models");
        }
        return dir.toAbsolutePath().normalize();
    }

    public static Path model(String name) {
        return modelsDir().resolve(name);
    }

    /** Every *.expected.json beside a .gguf with tensors. */
    public static List<Path> expectedFiles() {
        try (Stream<Path> s = Files.list(modelsDir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".expected.json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One recorded greedy run. */
    public record Run(String model, Path gguf, JsonNode json, JsonNode run, int index) {
        public String kvType() {
            return run.get("kv_cache_type").asText();
        }

        public int[] promptIds() {
            return ints(run.get("prompt_ids"));
        }

        public int[] generatedIds() {
            return ints(run.get("generated_ids"));
        }

        public boolean f32Weights() {
            JsonNode types = json.get("model").get("tensor_types");
            return types != null && types.size() == 1 && types.has("F32");
        }

        @Override
        public String toString() {
            return model + " #" + index + " kv=" + kvType() + " prompt=\"" + run.get("prompt").asText() + "\" n="
                    + run.get("generated_ids").size();
        }
    }

    public static List<Run> runs(String kvType) {
        List<Run> out = new ArrayList<>();
        for (Path p : expectedFiles()) {
            JsonNode j = read(p);
            JsonNode gen = j.get("generation");
            if (gen == null) {
                continue;
            }
            String name = p.getFileName().toString().replace(".expected.json", "");
            for (int i = 0; i < gen.size(); i++) {
                if (gen.get(i).get("kv_cache_type").asText().equals(kvType)) {
                    out.add(new Run(name, p.resolveSibling(name + ".gguf"), j, gen.get(i), i));
                }
            }
        }
        return out;
    }

    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }
}
