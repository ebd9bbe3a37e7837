package dev.djinn.cli;

/** A one-line progress indicator on stderr, redrawn in place on a terminal and printed sparsely otherwise. */
final class Progress {
    private final String label;
    private final long total;
    private final boolean terminal = System.console() != null;
    private long done;
    private int shown = -1;

    Progress(String label, long total) {
        this.label = label;
        this.total = Math.max(1, total);
    }

    synchronized void add(long n) {
        done += n;
        int pct = (int) Math.min(100, done * 100 / total);
        int step = terminal ? 1 : 25;
        if (pct / step != shown / step) {
            shown = pct;
            System.err.print(terminal ? "\r" + label + " " + pct + "%" : label + " " + pct + "%\n");
            System.err.flush();
        }
    }

    void done() {
        if (terminal) {
            System.err.println();
        }
    }
}
