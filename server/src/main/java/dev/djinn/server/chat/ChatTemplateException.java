package dev.djinn.server.chat;

/**
 * A chat template did not render. {@code refused}: the template itself rejected the conversation through
 * {@code raise_exception} (e.g. roles that do not alternate), which is the client's to fix.
 */
public final class ChatTemplateException extends RuntimeException {
    private final boolean refused;

    public ChatTemplateException(String message, boolean refused) {
        super(message, null, false, false);
        this.refused = refused;
    }

    public boolean refused() {
        return refused;
    }
}
