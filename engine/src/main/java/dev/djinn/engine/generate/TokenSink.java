package dev.djinn.engine.generate;

/** Receives generated tokens as they come. */
@FunctionalInterface
public interface TokenSink {
    /** @return false to stop generating (the client went away) */
    boolean accept(TokenEvent event);

    TokenSink IGNORE = event -> true;
}
