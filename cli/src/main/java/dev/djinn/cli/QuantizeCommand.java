package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.quantize.QuantMix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code djinn quantize IN OUT --type q8_0|q4_0|q4_k|q6_k|q4_k_m|q4_k_s [--pure]}. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write a copy of a GGUF model with its weight matrices quantized, byte for byte as llama.cpp's"
                + " llama-quantize would write them (no importance matrix).",
                "Matrices (2 or more dimensions) are converted from F32, F16 or BF16; norms, biases and other 1-D"
                        + " tensors keep their type. Metadata is copied, with general.file_type set for the type.",
                "Types: q8_0, q4_0, q4_k and q6_k put the matrices in that type; the mixes q4_k_m and q4_k_s follow"
                        + " llama-quantize's rules: Q6_K for the output head (output.weight, or token_embd.weight"
                        + " when the model has no separate head), and for q4_k_m Q6_K, for q4_k_s Q5_K, for some"
                        + " attn_v and ffn_down layers. Like llama-quantize, q4_0 also gets a Q6_K head unless"
                        + " --pure is given.",
                "Rows that are not whole blocks of the chosen type fall back to Q8_0 (llama-quantize uses Q8_0 for"
                        + " Q6_K but Q5_0/Q5_1 for Q4_K/Q5_K, which djinn cannot run); rows that are not a multiple"
                        + " of 32 values keep their type (llama-quantize writes F16)."})
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "the model to read (F32, F16 or BF16 weights)")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "the file to write (replaced if it exists)")
    Path output;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "q8_0, q4_0, q4_k, q6_k, q4_k_m or q4_k_s")
    String type;

    @Option(names = "--pure", description = "every matrix gets the type itself, the output head and the mixes'"
            + " attn_v/ffn_down layers included (llama-quantize --pure)")
    boolean pure;

    @Override
    public Integer call() throws IOException {
        QuantMix mix = QuantMix.parse(type, QuantMix.quantized());
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new DjinnException("refusing to overwrite the input file " + input + "; choose another output");
        }
        if (Files.isDirectory(output)) {
            throw new DjinnException(output + " is a directory; give the output file's name");
        }
        Path folder = output.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new DjinnException("cannot write " + output + ": folder " + folder + " does not exist");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile in = GgufFile.open(input)) {
            ModelQuantizer.Result r = new ModelQuantizer(mix, pure, out).quantize(in, output);
            out.printf("quantized %d tensors to %s, kept %d; tensor data %s -> %s; wrote %s (%s)%n", r.quantized(),
                    mix.name() + (pure ? " (pure)" : ""), r.kept(), Sizes.human(r.bytesBefore()), Sizes.human(r.bytesAfter()), output,
                    Sizes.human(Files.size(output)));
        }
        out.flush();
        return 0;
    }
}
