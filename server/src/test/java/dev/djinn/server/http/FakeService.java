package dev.djinn.server.http;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.TokenEvent;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.service.EngineStats;
import dev.djinn.engine.service.GenerationHandle;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.engine.service.QueueFullException;
import dev.djinn.server.TestServers;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An engine that streams the same token forever (every 5 ms) until its client stops it, or refuses every request
 * as if its queue were full. It uses stories260K's tokenizer.
 */
final class FakeService implements InferenceService {
    private static final Tokenizer TOKENIZER;

    static {
        try (GgufFile f = GgufFile.open(TestServers.modelFile("stories260K.gguf"))) {
            TOKENIZER = Tokenizer.fromMetadata(f.metadata());
        }
    }

    private final boolean full;
    final CountDownLatch cancelled = new CountDownLatch(1);
    /** The last request submitted (recorded before a full queue refuses it). */
    volatile GenerationRequest last;

    FakeService(boolean full) {
        this.full = full;
    }

    @Override
    public ModelInfo model() {
        return new ModelInfo("fake", "llama", 512, TOKENIZER.vocabSize(), null, "<s>", "</s>");
    }

    @Override
    public Tokenizer tokenizer() {
        return TOKENIZER;
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenSink sink) {
        last = request;
        if (full) {
            throw new QueueFullException("the server is busy: 16 requests are waiting", 7);
        }
        CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            int n = 0;
            while (!stop.get()) {
                if (!sink.accept(new TokenEvent(100, "la", null))) {
                    break;
                }
                n++;
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    break;
                }
            }
            result.complete(new GenerationResult(new int[n], "", FinishReason.CANCELLED, request.promptLength(), 0, 0));
        });
        return new GenerationHandle() {
            @Override
            public CompletableFuture<GenerationResult> result() {
                return result;
            }

            @Override
            public void cancel() {
                stop.set(true);
                cancelled.countDown();
            }
        };
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(0, full ? 16 : 0, 1, 0, 1);
    }

    @Override
    public void close() {
    }
}
