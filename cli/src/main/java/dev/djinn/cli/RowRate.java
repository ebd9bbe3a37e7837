package dev.djinn.cli;

/**
 * Rows a node has computed per second, from the running total its status reports: the rate between two
 * readings at least a second apart (readings closer together return the last rate, so a page polled by
 * several browsers still sees a steady number). A total that goes down means the node restarted.
 */
final class RowRate {
    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
    private long lastRows = -1;
    private long lastNanos;
    private double rate;

    synchronized double update(long rows, long nowNanos) {
        if (lastRows < 0 || rows < lastRows) {
            lastRows = rows;
            lastNanos = nowNanos;
            rate = 0;
        } else if (nowNanos - lastNanos >= MIN_INTERVAL_NANOS) {
            rate = (rows - lastRows) * 1e9 / (nowNanos - lastNanos);
            lastRows = rows;
            lastNanos = nowNanos;
        }
        return rate;
    }
}
