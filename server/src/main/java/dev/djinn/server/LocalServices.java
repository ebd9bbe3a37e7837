package dev.djinn.server;

import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.engine.service.SerialInferenceService;

import java.nio.file.Path;

/** Builds the inference service that serves a model loaded on this machine. */
public final class LocalServices {
    private LocalServices() {
    }

    /**
     * The service {@code djinn serve} runs. One request generates at a time for now; the continuous-batching
     * scheduler replaces this line and serves {@code parallel} at once.
     *
     * @param parallel requests served at once; with the serial service it sizes the waiting queue instead
     */
    public static InferenceService create(LocalModel model, ModelInfo info, KvCacheType kvType, int parallel) {
        return new SerialInferenceService(model, info, info.contextLength(), kvType, queueLimit(parallel));
    }

    /** Requests that may wait for a slot before new ones are refused with a 429. */
    static int queueLimit(int parallel) {
        return Math.max(16, 4 * parallel);
    }

    /**
     * What the API tells about a model.
     *
     * @param alias   the name clients use, or null for the file name without {@code .gguf}
     * @param context the context length asked for, capped at the model's trained one
     */
    public static ModelInfo info(LocalModel model, Path file, String alias, int context) {
        Tokenizer tok = model.tokenizer();
        String id = alias != null ? alias : file.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        int trained = model.config().trainedContext();
        int ctx = trained > 0 ? Math.min(context, trained) : context;
        String template = model.file().metadata().string("tokenizer.chat_template").orElse(null);
        return new ModelInfo(id, model.config().architecture().ggufName(), ctx, tok.vocabSize(), template,
                tok.bosId() >= 0 ? tok.piece(tok.bosId()) : "", tok.eosId() >= 0 ? tok.piece(tok.eosId()) : "");
    }
}
