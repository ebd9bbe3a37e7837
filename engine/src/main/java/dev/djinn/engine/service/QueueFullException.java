package dev.djinn.engine.service;

import dev.djinn.core.DjinnException;

/** Every slot and the whole waiting queue are taken: the client should retry later (HTTP 429). */
public final class QueueFullException extends DjinnException {
    private final int retryAfterSeconds;

    public QueueFullException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
