package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
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

/** {@code djinn quantize IN OUT --type q8_0|q4_0}. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Write a copy of a GGUF model with its weight matrices quantized to Q8_0 or Q4_0, byte for byte"
                + " as llama.cpp's quantizer would write them.",
                "Matrices (2 or more dimensions) whose rows are a multiple of 32 values are converted from F32, F16"
                        + " or BF16; norms, biases and other 1-D tensors, and matrices with other row lengths, keep"
                        + " their type. Metadata is copied, with general.file_type set for the new type.",
                "Like llama-quantize --pure, token_embd.weight and output.weight get the target type too:"
                        + " llama-quantize's default would make output.weight Q6_K for q4_0, which djinn cannot"
                        + " write yet."})
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "the model to read (F32, F16 or BF16 weights)")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "the file to write (replaced if it exists)")
    Path output;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "q8_0 or q4_0")
    String type;

    @Override
    public Integer call() throws IOException {
        QuantizeTarget target = QuantizeTarget.parse(type);
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
            ModelQuantizer.Result r = new ModelQuantizer(target, out).quantize(in, output);
            out.printf("quantized %d tensors to %s, kept %d; tensor data %s -> %s; wrote %s (%s)%n", r.quantized(),
                    target.type, r.kept(), Sizes.human(r.bytesBefore()), Sizes.human(r.bytesAfter()), output,
                    Sizes.human(Files.size(output)));
        }
        out.flush();
        return 0;
    }
}
