package dev.djinn.engine.generate;

/** Receives generated tokens as they come. */
@FunctionalInterface
public interface TokenSink {
    /**
     * @param token the token id
     * @param text  text that became final with this token ("" while an incomplete character or a possible
     *              stop string is held back)
     * @return false to stop generating (the client went away)
     */
    boolean accept(int token, String text);

    TokenSink IGNORE = (token, text) -> true;
}
