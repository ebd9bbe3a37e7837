package dev.djinn.core.quantize;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tensor.GgmlType;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A weight format djinn writes ({@code --type}): one tensor type for every matrix, or one of llama.cpp's mixes,
 * with the {@code general.file_type} (llama.cpp's LLAMA_FTYPE) recorded for it. {@link TensorTypeRules} picks
 * each matrix's type.
 */
public enum QuantMix {
    F32(GgmlType.F32, 0, Rules.NONE),
    F16(GgmlType.F16, 1, Rules.NONE),
    BF16(GgmlType.BF16, 32, Rules.NONE),
    Q8_0(GgmlType.Q8_0, 7, Rules.OUTPUT),
    Q4_0(GgmlType.Q4_0, 2, Rules.OUTPUT),
    /** Every matrix Q4_K: what llama-quantize --pure Q4_K_S writes, so it records Q4_K_S's file type. */
    Q4_K(GgmlType.Q4_K, 14, Rules.NONE),
    Q6_K(GgmlType.Q6_K, 18, Rules.NONE),
    /** Q4_K with Q5_K for the first attn_v and ffn_down layers, and a Q6_K output head. */
    Q4_K_S(GgmlType.Q4_K, 14, Rules.MIXTURE),
    /** Q4_K with Q6_K for the output head and for about half of the attn_v and ffn_down layers. */
    Q4_K_M(GgmlType.Q4_K, 15, Rules.MIXTURE);

    /** Which of llama.cpp's per-tensor rules apply (unless --pure). */
    enum Rules {
        /** none: one type throughout */
        NONE,
        /** only the output head's (Q6_K for Q4_0; Q8_0 stays Q8_0) */
        OUTPUT,
        /** the head's and the mixture's own */
        MIXTURE
    }

    private final GgmlType type;
    private final int fileType;
    private final Rules rules;

    QuantMix(GgmlType type, int fileType, Rules rules) {
        this.type = type;
        this.fileType = fileType;
        this.rules = rules;
    }

    Rules rules() {
        return rules;
    }

    /** The type of most matrices (llama.cpp's default type for the file type). */
    public GgmlType type() {
        return type;
    }

    /** The LLAMA_FTYPE value llama.cpp records in {@code general.file_type}. */
    public int fileType() {
        return fileType;
    }

    /** Whether the name stands for a mixture of types (llama.cpp's _S/_M file types) rather than one type. */
    public boolean isMixture() {
        return rules == Rules.MIXTURE;
    }

    public boolean isQuantized() {
        return type.isQuantized();
    }

    /** The lower-case name {@code --type} takes. */
    public String optionName() {
        return name().toLowerCase();
    }

    /** The mix named {@code name} (any case) among {@code allowed}, or an error listing them. */
    public static QuantMix parse(String name, List<QuantMix> allowed) {
        for (QuantMix m : allowed) {
            if (m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new DjinnException("unknown --type " + name + "; choose " + allowed.stream().map(QuantMix::optionName)
                .collect(Collectors.joining(", ")));
    }

    public static List<QuantMix> quantized() {
        return Arrays.stream(values()).filter(QuantMix::isQuantized).toList();
    }
}
