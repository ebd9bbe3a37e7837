package dev.djinn.cli;

import dev.djinn.cluster.Node;
import dev.djinn.cluster.store.ModelStore;
import dev.djinn.engine.scheduler.StepExecutor;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.server.ServerOptions;
import dev.djinn.server.Services;

import java.nio.file.Path;

/**
 * {@code djinn node --api-port}: the HTTP API of {@code djinn serve} on a cluster node. The same scheduler
 * drives the cluster: its steps run through the node's coordinator executor, i.e. through the pipeline. What
 * it tells about the model comes from the node's copy of the header (every node has one, weights or not).
 */
final class NodeApi {
    private NodeApi() {
    }

    /**
     * @param modelFile the node's {@code --model} (its file name names the model in the API)
     * @param ctx       the node's {@code --ctx}, capped at the model's trained context
     * @param kvSlots   the node's {@code --kv-slots}: the KV budget is that many full contexts, which is what
     *                  the plan reserves memory for
     */
    static ApiFrontEnd start(Node node, ServerOptions server, int parallel, Path modelFile, int ctx, int kvSlots) {
        ModelStore model = node.model();
        ModelInfo info = Services.info(modelFile.getFileName().toString(), null, model.config(), model.tokenizer(),
                model.file().metadata(), ctx);
        return ApiFrontEnd.start(server, listener -> {
            StepExecutor executor = node.scopedExecutor();
            long budget = Math.max(1, kvSlots) * executor.kvBytes(info.contextLength());
            int prefillChunk = Math.max(16, executor.maxBatch() / 2);
            return Services.scheduler(executor, model.tokenizer(), info, parallel, budget, prefillChunk, listener);
        }, metrics -> {
            NodeStepMetrics.start(node, metrics);
            return new NodeClusterView(node, info.id());
        });
    }
}
