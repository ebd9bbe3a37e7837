package dev.djinn.core;

/**
 * A failure caused by input the user controls (a file, an option, a request): its message is one
 * complete sentence meant for the user, so front ends print it without a stack trace.
 */
public class DjinnException extends RuntimeException {
    public DjinnException(String message) {
        super(message);
    }

    public DjinnException(String message, Throwable cause) {
        super(message, cause);
    }
}
