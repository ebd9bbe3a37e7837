package dev.djinn.engine.scheduler;

import dev.djinn.engine.generate.TokenEvent;
import dev.djinn.engine.generate.TokenSink;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * Delivers a request's tokens to its sink on a virtual thread of its own, in order, so a slow client (a
 * blocked socket write) never stalls the scheduler and the other requests. When the sink declines a token,
 * {@link #declined()} turns true and later tokens are dropped.
 */
final class AsyncTokenSink implements TokenSink {
    private static final TokenEvent END = new TokenEvent(-2, "", null);

    private final TokenSink target;
    private final LinkedBlockingQueue<TokenEvent> queue = new LinkedBlockingQueue<>();
    private volatile boolean declined;
    private final Thread thread;

    AsyncTokenSink(TokenSink target, String name) {
        this.target = target;
        this.thread = Thread.ofVirtual().name(name).start(this::deliver);
    }

    @Override
    public boolean accept(TokenEvent event) {
        if (!declined) {
            queue.add(event);
        }
        return !declined;
    }

    boolean declined() {
        return declined;
    }

    /** No more events: the delivery thread ends once the queue is drained. */
    void finish() {
        queue.add(END);
    }

    /** Waits until every queued event was delivered (before completing the request's result). */
    void awaitDelivered() throws InterruptedException {
        thread.join();
    }

    private void deliver() {
        try {
            while (true) {
                TokenEvent e = queue.take();
                if (e == END) {
                    return;
                }
                if (!declined && !target.accept(e)) {
                    declined = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            declined = true; // a failing sink is a client gone away
        }
    }
}
