package dev.djinn.server.api;

import java.util.List;

/** {@code GET /v1/models}: the one model this server runs. */
public record ModelList(String object, List<Model> data) {
    public ModelList(Model model) {
        this("list", List.of(model));
    }

    /** {@code meta} is an extension (as in llama.cpp's server): what clients may want to know about the model. */
    public record Model(String id, String object, long created, String ownedBy, Meta meta) {
    }

    public record Meta(String architecture, int contextLength, int vocabSize) {
    }
}
