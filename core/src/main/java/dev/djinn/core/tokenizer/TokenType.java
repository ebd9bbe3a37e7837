package dev.djinn.core.tokenizer;

/** The token types stored in {@code tokenizer.ggml.token_type}, with the numbering llama.cpp uses. */
public enum TokenType {
    UNDEFINED,
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    /** Maps a GGUF type code; codes outside 1..6 are UNDEFINED, as in llama.cpp. */
    public static TokenType fromGguf(int code) {
        return code >= 1 && code <= 6 ? values()[code] : UNDEFINED;
    }

    /** Control, user-defined and unknown tokens are matched as whole strings before tokenizing text. */
    boolean isSpecial() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }
}
