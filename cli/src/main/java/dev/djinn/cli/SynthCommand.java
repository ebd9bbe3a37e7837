package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufMetadata;
import dev.djinn.core.quantize.QuantMix;
import dev.djinn.core.synth.ModelShape;
import dev.djinn.core.synth.SyntheticModelWriter;
import dev.djinn.core.tensor.GgmlType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code djinn synth}: writes a random-weight model of a real model's shape, for speed tests. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a random-weight GGUF model with the shape of a real one (for speed tests and demos).",
                "Shapes: tiny, llama-3.2-1b (1b), llama-3.2-3b (3b), llama-3-8b (8b), qwen2.5-0.5b (0.5b)."})
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--shape", required = true, paramLabel = "NAME", description = "model shape")
    String shape;

    @Option(names = "--type", defaultValue = "q8_0", paramLabel = "TYPE",
            description = "weight type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, or the mixes q4_k_m and q4_k_s"
                    + " (llama.cpp's per-tensor rules; single types put every matrix in that type, like"
                    + " llama-quantize --pure) (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--tokenizer-from", paramLabel = "GGUF",
            description = "copy the tokenizer (and its vocabulary size) from this GGUF file; default: a byte-level one")
    Path tokenizerFrom;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Parameters(index = "0", paramLabel = "OUT", description = "the file to write")
    Path output;

    @Override
    public Integer call() throws IOException {
        ModelShape s = ModelShape.named(shape);
        QuantMix mix = QuantMix.parse(type, List.of(QuantMix.values()));
        GgmlType t = mix.type();
        Path folder = output.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new DjinnException("cannot write " + output + ": folder " + folder + " does not exist");
        }
        GgufMetadata tokenizer = null;
        if (tokenizerFrom != null) {
            try (GgufFile f = GgufFile.open(tokenizerFrom)) {
                tokenizer = f.metadata();
            }
        }
        // an estimate from the main type: a mixture writes a little more
        long total = (long) (s.parameterCount() * (double) t.typeSize() / t.blockSize());
        Progress progress = new Progress("writing " + output.getFileName(), total);
        new SyntheticModelWriter(s, mix, seed).write(output, tokenizer, progress::add);
        progress.done();
        System.err.printf("djinn: wrote %s: %s shape, %s weights, %s%n", output, s.name(), mix.optionName(),
                Sizes.human(Files.size(output)));
        return 0;
    }
}
