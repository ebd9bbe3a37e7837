package dev.djinn.server;

import dev.djinn.engine.LocalModel;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.engine.scheduler.ContinuousBatchingService;
import dev.djinn.engine.scheduler.LocalStepExecutor;

import java.nio.file.Path;

/** Builds the inference service that serves a model loaded on this machine. */
public final class LocalServices {
    private LocalServices() {
    }

    /**
     * The service {@code djinn serve} runs: continuous batching of up to {@code parallel} requests at once,
     * each step one pass over the weights for all of them, within a KV-memory budget.
     *
     * @param parallel      requests generated at once
     * @param kvBudgetBytes KV-cache memory for all of them; 0 picks {@link #defaultKvBudget}
     * @param listener      observes each scheduling step (metrics)
     */
    public static InferenceService create(LocalModel model, ModelInfo info, KvCacheType kvType, int parallel,
                                          long kvBudgetBytes, ContinuousBatchingService.Listener listener) {
        LocalStepExecutor executor = new LocalStepExecutor(model, kvType);
        long budget = kvBudgetBytes > 0 ? kvBudgetBytes
                : defaultKvBudget(executor.kvBytes(info.contextLength()), parallel);
        int prefillChunk = Math.max(16, model.transformer().maxBatch() / 2);
        return Services.scheduler(executor, model.tokenizer(), info, parallel, budget, prefillChunk, listener);
    }

    /**
     * Enough KV memory for every slot to hold a full context, but at most a quarter of the machine's memory
     * (and never less than one full context): requests that would exceed it wait for memory to be freed.
     */
    static long defaultKvBudget(long fullContextBytes, int parallel) {
        long machine = physicalMemory();
        long cap = machine > 0 ? machine / 4 : 4L << 30;
        return Math.max(fullContextBytes, Math.min(fullContextBytes * parallel, cap));
    }

    private static long physicalMemory() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 0;
    }

    /**
     * What the API tells about a model.
     *
     * @param alias   the name clients use, or null for the file name without {@code .gguf}
     * @param context the context length asked for, capped at the model's trained one
     */
    public static ModelInfo info(LocalModel model, Path file, String alias, int context) {
        return Services.info(file.getFileName().toString(), alias, model.config(), model.tokenizer(),
                model.file().metadata(), context);
    }
}
