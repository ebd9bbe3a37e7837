package dev.djinn.cluster.wire;

import dev.djinn.core.DjinnException;

/** A malformed cluster message. */
public final class WireException extends DjinnException {
    public WireException(String message) {
        super(message);
    }
}
