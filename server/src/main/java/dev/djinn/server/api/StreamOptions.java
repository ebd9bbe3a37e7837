package dev.djinn.server.api;

/** {@code stream_options}: {@code include_usage} adds a last chunk with the token counts. */
public record StreamOptions(Boolean includeUsage) {
    public boolean usage() {
        return Boolean.TRUE.equals(includeUsage);
    }
}
