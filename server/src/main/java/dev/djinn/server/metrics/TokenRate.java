package dev.djinn.server.metrics;

/** Generated tokens per second over the last few seconds, for the cluster page. */
final class TokenRate {
    private static final int SECONDS = 5;
    private final long[] counts = new long[SECONDS];
    private final long[] stamps = new long[SECONDS];

    synchronized void add(int tokens, long nowMillis) {
        long second = nowMillis / 1000;
        int slot = (int) (second % SECONDS);
        if (stamps[slot] != second) {
            stamps[slot] = second;
            counts[slot] = 0;
        }
        counts[slot] += tokens;
    }

    /** Mean over the last {@value #SECONDS} whole seconds. */
    synchronized double perSecond(long nowMillis) {
        long second = nowMillis / 1000;
        long sum = 0;
        for (int i = 0; i < SECONDS; i++) {
            if (stamps[i] < second && stamps[i] >= second - SECONDS) {
                sum += counts[i];
            }
        }
        return (double) sum / SECONDS;
    }
}
