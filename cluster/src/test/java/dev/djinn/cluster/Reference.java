package dev.djinn.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** llama.cpp's recorded greedy runs in the shared models folder (single-node djinn reproduces them exactly). */
final class Reference {
    record Run(String model, Path gguf, int index, int[] prompt, int[] generated) {
        @Override
        public String toString() {
            return model + " #" + index + " (prompt " + prompt.length + ", " + generated.length + " tokens)";
        }
    }

    private Reference() {
    }

    static Path modelsDir() {
        return TestCluster.model("stories260K.gguf").getParent();
    }

    /** Every run recorded with an F32 KV cache, by model. */
    static List<Run> f32Runs() {
        ObjectMapper json = new ObjectMapper();
        List<Run> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(modelsDir())) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".expected.json")).sorted().toList()) {
                JsonNode j = json.readTree(p.toFile());
                JsonNode gen = j.get("generation");
                if (gen == null) {
                    continue;
                }
                String name = p.getFileName().toString().replace(".expected.json", "");
                for (int i = 0; i < gen.size(); i++) {
                    JsonNode r = gen.get(i);
                    if (r.get("kv_cache_type").asText().equals("f32")) {
                        out.add(new Run(name, p.resolveSibling(name + ".gguf"), i, ints(r.get("prompt_ids")),
                                ints(r.get("generated_ids"))));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
