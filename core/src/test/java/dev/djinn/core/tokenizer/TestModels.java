package dev.djinn.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.djinn.core.gguf.GgufFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** Finds the shared test models and their llama.cpp reference outputs; loads each tokenizer once. */
final class TestModels {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    private static final Map<String, JsonNode> EXPECTED = new ConcurrentHashMap<>();

    private TestModels() {
    }

    /** {@code djinn.models.dir} (set by surefire), else ../shared/models beside the project directory. */
    static Path dir() {
        String property = System.getProperty("djinn.models.dir");
        Path dir = property != null ? Path.of(property) : Path.of("..", "..", "shared", "models");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("test models not found at " + dir.toAbsolutePath());
        }
        return dir;
    }

    static Tokenizer tokenizer(String ggufName) {
        return TOKENIZERS.computeIfAbsent(ggufName, name -> {
            try (GgufFile file = GgufFile.open(dir().resolve(name))) {
                return Tokenizer.fromMetadata(file.metadata());
            }
        });
    }

    /** Every {@code *.expected.json}, by name. */
    static List<String> expectedFiles() {
        try (Stream<Path> files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".expected.json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode expected(String jsonName) {
        return EXPECTED.computeIfAbsent(jsonName, name -> {
            try {
                return JSON.readTree(dir().resolve(name).toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static String read(String name) {
        try {
            return Files.readString(dir().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** A test name that shows control characters and stays short. */
    static String label(String text) {
        String escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return "\"" + (escaped.length() > 40 ? escaped.substring(0, 40) + "…" : escaped) + "\"";
    }
}
