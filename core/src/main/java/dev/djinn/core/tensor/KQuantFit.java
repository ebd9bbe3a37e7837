package dev.djinn.core.tensor;

/**
 * The searches ggml's K-quant reference quantizers use to pick a sub-block's scale (and min) and its integer
 * levels, reimplemented step for step in float arithmetic so that the results are ggml's to the bit.
 * ggml's own helper names are given with each method.
 */
final class KQuantFit {
    /** ggml's GROUP_MAX_EPS: a sub-block whose largest magnitude is below it counts as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantFit() {
    }

    /**
     * ggml's {@code nearest_int}: rounds to the nearest integer, halves to even, by adding 1.5 * 2^23 so that the
     * integer lands in the low mantissa bits. Kept as the same bit trick so out-of-range inputs (which ggml only
     * asserts against) give the same garbage.
     */
    static int nearestInt(float x) {
        float shifted = x + 12582912f;
        return (Float.floatToRawIntBits(shifted) & 0x007fffff) - 0x00400000;
    }

    /**
     * ggml's {@code make_qkx2_quants} with squared errors: fits {@code x[i] ~ scale * L[i] - min} with levels
     * {@code 0 .. nmax} and a min of at least 0, weighting each value. It starts from the range's own scale, then
     * tries {@code nstep + 1} other level assignments (scales {@code (nmax + rmin + rdelta * is) / range}) and
     * keeps the weighted least-squares fit of whichever gives the smallest error. Writes the levels to
     * {@code levels[levelsOffset ..]} and the min to {@code mins[minIndex]}; returns the scale.
     */
    static float affine(float[] x, int offset, int n, int nmax, float[] weights, int[] levels, int levelsOffset,
                        float[] mins, int minIndex, float rmin, float rdelta, int nstep) {
        float min = x[offset];
        float max = x[offset];
        float sumW = weights[0];
        float sumX = sumW * x[offset];
        for (int i = 1; i < n; i++) {
            float v = x[offset + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            mins[minIndex] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * (x[offset + i] - min)), 0, nmax);
            levels[levelsOffset + i] = l;
            float diff = scale * l + min - x[offset + i];
            bestError += weights[i] * (diff * diff);
        }
        int[] trial = new int[n];
        for (int is = 0; is <= nstep; is++) {
            // ggml moves min along as better fits are found, so later trials measure the range from the new min
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * (x[offset + i] - min)), 0, nmax);
                trial[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[offset + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * trial[i] + thisMin - x[offset + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(trial, 0, levels, levelsOffset, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minIndex] = -min;
        return scale;
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type} 1 and no importance weights: fits
     * {@code x[i] ~ scale * (L[i] - nmax)} with levels {@code 0 .. 2 nmax - 1}, weighting each value by x^2.
     * It starts from the scale that maps the value of largest magnitude to {@code -nmax}, tries 18 nearby
     * scales, and keeps the least-squares scale of the best assignment. Writes the levels to
     * {@code levels[levelsOffset ..]}; returns the scale (0 for an all-zero sub-block).
     */
    static float symmetric(float[] x, int offset, int n, int nmax, int[] levels, int levelsOffset) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[offset + i]);
            if (ax > amax) {
                amax = ax;
                max = x[offset + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[levelsOffset + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[offset + i];
            int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            levels[levelsOffset + i] = l + nmax;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[offset + i];
                int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    levels[levelsOffset + i] = nmax + clamp(nearestInt(iscale * x[offset + i]), -nmax, nmax - 1);
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
