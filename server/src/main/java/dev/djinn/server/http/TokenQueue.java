package dev.djinn.server.http;

import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.TokenEvent;
import dev.djinn.engine.generate.TokenSink;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * Hands tokens from the engine's threads to the request's thread. The engine never waits on a slow client: the
 * sink only enqueues. Once the request's thread gives up (the client left), the sink answers false and the engine
 * stops the generation.
 */
final class TokenQueue implements TokenSink {
    sealed interface Item {
    }

    record Token(TokenEvent event, long nanos) implements Item {
    }

    /** The generation ended: its result, or the failure that ended it. */
    record End(GenerationResult result, Throwable failure) implements Item {
    }

    private final LinkedBlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private volatile boolean abandoned;

    @Override
    public boolean accept(TokenEvent event) {
        if (abandoned) {
            return false;
        }
        items.add(new Token(event, System.nanoTime()));
        return true;
    }

    void end(GenerationResult result, Throwable failure) {
        items.add(new End(result, failure));
    }

    void abandon() {
        abandoned = true;
    }

    Item take() throws InterruptedException {
        return items.take();
    }
}
