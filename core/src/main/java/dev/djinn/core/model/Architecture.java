package dev.djinn.core.model;

import dev.djinn.core.DjinnException;

/** The transformer families djinn runs, and the features that set them apart. */
public enum Architecture {
    /** Llama 2/3/3.x and Mistral: adjacent-pair rope, no biases. */
    LLAMA("llama", false, false, false),
    /** Qwen2/2.5: biases on q, k and v; NeoX-style rope. */
    QWEN2("qwen2", true, true, false),
    /** Qwen3: per-head RMS norms on q and k before rope; NeoX-style rope. */
    QWEN3("qwen3", true, false, true);

    private final String ggufName;
    private final boolean neoxRope;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String ggufName, boolean neoxRope, boolean qkvBias, boolean qkNorm) {
        this.ggufName = ggufName;
        this.neoxRope = neoxRope;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    public String ggufName() {
        return ggufName;
    }

    /** Rope rotates (x[i], x[i + n/2]) instead of (x[2i], x[2i+1]). */
    public boolean neoxRope() {
        return neoxRope;
    }

    public boolean qkvBias() {
        return qkvBias;
    }

    public boolean qkNorm() {
        return qkNorm;
    }

    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new DjinnException("unsupported model architecture '" + name + "' (djinn runs llama, qwen2 and qwen3)");
    }
}
