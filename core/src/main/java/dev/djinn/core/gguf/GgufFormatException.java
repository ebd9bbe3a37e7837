package dev.djinn.core.gguf;

import dev.djinn.core.DjinnException;

/** A GGUF file that is malformed, truncated or uses something djinn does not understand. */
public final class GgufFormatException extends DjinnException {
    public GgufFormatException(String message) {
        super(message);
    }
}
