package dev.djinn.server;

import dev.djinn.core.gguf.GgufMetadata;
import dev.djinn.core.model.ModelConfig;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.scheduler.ContinuousBatchingService;
import dev.djinn.engine.scheduler.StepExecutor;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;

/**
 * Builds what the server serves, whatever runs the steps: the continuous-batching scheduler over a
 * {@link StepExecutor} (this machine's transformer, or a cluster's pipeline) and what the API tells about the
 * model. {@link LocalServices} uses it for a model loaded here.
 */
public final class Services {
    private Services() {
    }

    /**
     * Continuous batching of up to {@code parallel} requests at once over {@code executor}, within a KV-memory
     * budget; beyond the slots requests wait in a bounded queue, beyond that they are refused.
     *
     * @param prefillChunk most prompt tokens one sequence feeds per step
     * @param listener     observes each scheduling step (metrics)
     */
    public static InferenceService scheduler(StepExecutor executor, Tokenizer tokenizer, ModelInfo info, int parallel,
                                             long kvBudgetBytes, int prefillChunk,
                                             ContinuousBatchingService.Listener listener) {
        return new ContinuousBatchingService(executor, tokenizer, info,
                new ContinuousBatchingService.Options(parallel, queueLimit(parallel), kvBudgetBytes,
                        info.contextLength(), prefillChunk), listener);
    }

    /** Requests that may wait for a slot before new ones are refused with a 429. */
    static int queueLimit(int parallel) {
        return Math.max(16, 4 * parallel);
    }

    /**
     * What the API tells about a model.
     *
     * @param fileName the model's file name
     * @param alias    the name clients use, or null for the file name without {@code .gguf}
     * @param context  the context length asked for, capped at the model's trained one
     */
    public static ModelInfo info(String fileName, String alias, ModelConfig config, Tokenizer tok,
                                 GgufMetadata metadata, int context) {
        String id = alias != null ? alias : fileName.replaceFirst("(?i)\\.gguf$", "");
        int trained = config.trainedContext();
        int ctx = trained > 0 ? Math.min(context, trained) : context;
        String template = metadata.string("tokenizer.chat_template").orElse(null);
        return new ModelInfo(id, config.architecture().ggufName(), ctx, tok.vocabSize(), template,
                tok.bosId() >= 0 ? tok.piece(tok.bosId()) : "", tok.eosId() >= 0 ? tok.piece(tok.eosId()) : "");
    }
}
