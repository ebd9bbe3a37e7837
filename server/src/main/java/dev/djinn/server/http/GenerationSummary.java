package dev.djinn.server.http;

/** What the access log tells about a generation request. */
record GenerationSummary(int promptTokens, int completionTokens, long ttftNanos, String finish, boolean stream) {
    static final String ATTRIBUTE = "djinn.generation";
}
