package dev.djinn.engine.generate;

/** Why a generation ended, in OpenAI's terms. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The token limit or the end of the context. */
    LENGTH,
    /** The caller cancelled it. */
    CANCELLED;

    public String openAiName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
