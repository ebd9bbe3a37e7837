package dev.djinn.server.http;

import java.util.Set;

/** The server's paths, and the label each request gets in metrics (a fixed set, so labels stay few). */
final class Routes {
    static final String CHAT = "/v1/chat/completions";
    static final String COMPLETIONS = "/v1/completions";
    static final String MODELS = "/v1/models";
    static final String MODEL = "/v1/models/{id}";
    static final String CLUSTER = "/v1/cluster";
    static final String HEALTH = "/health";
    static final String METRICS = "/metrics";

    private static final Set<String> LABELS = Set.of(CHAT, COMPLETIONS, MODELS, CLUSTER, HEALTH, METRICS);

    private Routes() {
    }

    static String label(String path) {
        if (LABELS.contains(path)) {
            return path;
        }
        if (path.startsWith(MODELS + "/")) {
            return MODELS;
        }
        return path.startsWith("/v1/") ? "other" : "console";
    }
}
