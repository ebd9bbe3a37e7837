package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Temporary: float formats only (replaced by the full codec). */
public final class Dequantizer {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantizer() {
    }

    public static float[] toFloats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.elementCount())];
        dequantize(t.type(), t.data(), 0, out, 0, out.length);
        return out;
    }

    public static void dequantize(GgmlType type, MemorySegment src, long offset, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = switch (type) {
                case F32 -> src.get(F32, offset + 4L * i);
                case F16 -> Float.float16ToFloat(src.get(I16, offset + 2L * i));
                case BF16 -> Float.intBitsToFloat(src.get(I16, offset + 2L * i) << 16);
                default -> throw new UnsupportedOperationException(type.toString());
            };
        }
    }
}
