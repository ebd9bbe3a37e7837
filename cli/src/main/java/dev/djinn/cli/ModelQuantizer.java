package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.gguf.GgufWriter;
import dev.djinn.core.quantize.LlamaTensorOrder;
import dev.djinn.core.quantize.QuantMix;
import dev.djinn.core.quantize.TensorTypeRules;
import dev.djinn.core.tensor.Dequantizer;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Quantizer;
import dev.djinn.core.tensor.Tensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Copies a GGUF model with its weight matrices quantized, streaming one batch of rows at a time so that
 * models larger than the heap can be converted.
 */
final class ModelQuantizer {
    /** ggml's GGML_QNT_VERSION, which llama-quantize records with every quantized file. */
    private static final int QUANTIZATION_VERSION = 2;
    private static final int BATCH_BYTES = 1 << 20;
    private static final List<String> SPLIT_KEYS = List.of("split.no", "split.count", "split.tensors.count");

    /** What happened to the tensors: counts and tensor-data sizes before and after. */
    record Result(int quantized, int kept, long bytesBefore, long bytesAfter) {
    }

    private final QuantMix mix;
    private final boolean pure;
    private final PrintWriter log;

    /** {@code pure}: every matrix gets the mix's type, as with llama-quantize --pure. */
    ModelQuantizer(QuantMix mix, boolean pure, PrintWriter log) {
        this.mix = mix;
        this.pure = pure;
        this.log = log;
    }

    Result quantize(GgufFile in, Path out) throws IOException {
        GgufWriter w = new GgufWriter().putAll(in.metadata());
        // as llama-quantize does: these two move to the end, and the output is never one part of a split model
        w.put("general.quantization_version", GgufValue.ofUint32(QUANTIZATION_VERSION));
        w.put("general.file_type", GgufValue.ofUint32(mix.fileType()));
        SPLIT_KEYS.forEach(w::remove);
        List<GgufTensorInfo> infos = in.tensorInfos().values().stream()
                .sorted(Comparator.comparing(GgufTensorInfo::name, new LlamaTensorOrder())).toList();
        TensorTypeRules rules = TensorTypeRules.forModel(mix, pure, in.tensorInfos().keySet(), layerCount(in));
        int quantized = 0;
        long before = 0;
        long after = 0;
        for (int i = 0; i < infos.size(); i++) {
            GgufTensorInfo info = infos.get(i);
            String position = String.format("[%" + String.valueOf(infos.size()).length() + "d/%d]", i + 1,
                    infos.size());
            Tensor tensor = in.tensor(info.name());
            QuantizeRule.Decision decision = QuantizeRule.decide(info, rules);
            before += tensor.byteSize();
            if (decision.keptBecause().isPresent()) {
                GgufWriter.TensorData copy = GgufWriter.TensorData.of(tensor.data());
                String why = decision.keptBecause().get();
                w.addTensor(info.name(), info.type(), info.shape(), ch -> {
                    copy.writeTo(ch);
                    log.printf("%s %-32s %-5s kept (%s)%n", position, info.name(), info.type(), why);
                });
                after += tensor.byteSize();
                continue;
            }
            requireConvertible(tensor);
            GgmlType type = decision.type();
            long outBytes = type.rowBytes(tensor.cols()) * tensor.rows();
            w.addTensor(info.name(), type, info.shape(), ch -> {
                writeQuantized(tensor, type, ch);
                log.printf("%s %-32s %-5s -> %-5s %s -> %s%n", position, info.name(), info.type(), type,
                        Sizes.human(tensor.byteSize()), Sizes.human(outBytes));
            });
            quantized++;
            after += outBytes;
        }
        w.write(out);
        return new Result(quantized, infos.size() - quantized, before, after);
    }

    /** llama.cpp's n_layer: the architecture's block_count, else one more than the highest blk.N in the names. */
    private static int layerCount(GgufFile in) {
        return in.metadata().string("general.architecture")
                .flatMap(arch -> in.metadata().integer(arch + ".block_count"))
                .map(Math::toIntExact)
                .orElseGet(() -> 1 + in.tensorInfos().keySet().stream().mapToInt(LlamaTensorOrder::layer).max()
                        .orElse(-1));
    }

    private void requireConvertible(Tensor t) {
        if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16) {
            throw new DjinnException("tensor " + t.name() + " is " + t.type() + "; djinn quantizes only from F32, F16"
                    + " or BF16 (requantizing loses accuracy; start from the unquantized model)");
        }
    }

    /** Decodes each row to floats and encodes it as {@code type}, a batch of rows per write. */
    private static void writeQuantized(Tensor t, GgmlType type, WritableByteChannel ch) throws IOException {
        int cols = t.cols();
        int rowBytes = Math.toIntExact(type.rowBytes(cols));
        int rowsPerBatch = Math.max(1, BATCH_BYTES / rowBytes);
        ByteBuffer batch = ByteBuffer.allocate(rowsPerBatch * rowBytes);
        MemorySegment seg = MemorySegment.ofBuffer(batch);
        float[] row = new float[cols];
        for (int r = 0; r < t.rows(); r += rowsPerBatch) {
            int rows = Math.min(rowsPerBatch, t.rows() - r);
            for (int i = 0; i < rows; i++) {
                Dequantizer.dequantizeRow(t, r + i, row, 0);
                Quantizer.quantize(type, row, 0, cols, seg, (long) i * rowBytes);
            }
            batch.clear().limit(rows * rowBytes);
            while (batch.hasRemaining()) {
                ch.write(batch);
            }
        }
    }
}
