package dev.djinn.bench;

import dev.djinn.core.kernel.ActivationFormat;
import dev.djinn.core.kernel.ComputePool;
import dev.djinn.core.kernel.KernelProvider;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.kernel.PackedBlocks;
import dev.djinn.core.kernel.QuantizedRows;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.Arena;

/** One weight matrix, a prepared batch of activation rows and an output buffer, for the benchmarks. */
final class MatMulState implements AutoCloseable {
    final Tensor weights;
    final QuantizedRows input;
    final float[] output;
    final MatMul matmul;
    private final Arena arena;
    private final ComputePool pool;

    /**
     * @param shape  "COLSxROWS" in ggml order: the input length, then the output length
     * @param prompt whether the batch's rows are prompt tokens (the prompt GEMM) or generated tokens (the
     *               dot kernels, batched when there are several)
     */
    MatMulState(String type, String shape, int batch, int threads, boolean prompt) {
        String[] dims = shape.split("x");
        int cols = Integer.parseInt(dims[0]);
        int rows = Integer.parseInt(dims[1]);
        GgmlType t = GgmlType.fromName(type);
        arena = Arena.ofShared();
        pool = new ComputePool(threads);
        Tensor w = RandomWeights.matrix(arena, t, cols, rows, 1);
        // packed as the transformer packs its weights (djinn.pack=false: the GGUF layout)
        boolean pack = KernelProvider.get().packs(t) && PackedBlocks.packable(w);
        if (KernelProvider.get().q4_0RowLanes() && PackedBlocks.rowLanesPackable(w)) {
            weights = w.withRowLanes(PackedBlocks.packRowLanes(w, pool, false));
        } else {
            weights = pack ? w.withPacked(PackedBlocks.pack(w, pool, false)) : w;
        }
        matmul = new MatMul(KernelProvider.get(), pool);
        input = new QuantizedRows(cols, batch);
        boolean[] promptRows = new boolean[batch];
        java.util.Arrays.fill(promptRows, prompt);
        matmul.prepare(ActivationFormat.forWeights(t), RandomWeights.activations(cols * batch, 2), batch, promptRows,
                input);
        output = new float[rows * batch];
    }

    void multiply() {
        matmul.multiply(weights, input, output, weights.rows());
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }
}
