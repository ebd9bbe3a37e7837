package dev.djinn.cluster.rpc;

/**
 * Socket options of the data-plane connections, set deliberately: Nagle off (a hidden state is one small
 * write that must leave at once), socket buffers large enough for a prefill batch's hidden state in flight
 * (0 leaves the kernel's autotuning), TCP keep-alive on plus HTTP/2 pings so a dead peer is noticed on an
 * idle connection, and a large HTTP/2 flow-control window so a stream never waits for window updates.
 */
public record TcpOptions(boolean noDelay, int sendBuffer, int receiveBuffer, boolean keepAlive,
                         long keepAliveMs, int flowControlWindow) {
    public static final TcpOptions DEFAULT = new TcpOptions(true, 4 << 20, 4 << 20, true, 5_000, 16 << 20);

    public static TcpOptions parse(String spec) {
        TcpOptions o = DEFAULT;
        if (spec == null || spec.isBlank()) {
            return o;
        }
        boolean nd = o.noDelay;
        int sb = o.sendBuffer;
        int rb = o.receiveBuffer;
        boolean ka = o.keepAlive;
        long kams = o.keepAliveMs;
        int win = o.flowControlWindow;
        for (String kv : spec.split(",")) {
            String[] p = kv.split("=", 2);
            if (p.length != 2) {
                throw new dev.djinn.core.DjinnException("--tcp takes key=value pairs, not " + kv);
            }
            switch (p[0].trim()) {
                case "nodelay" -> nd = Boolean.parseBoolean(p[1].trim());
                case "sndbuf" -> sb = (int) dev.djinn.cluster.Sizes.parse(p[1].trim());
                case "rcvbuf" -> rb = (int) dev.djinn.cluster.Sizes.parse(p[1].trim());
                case "keepalive" -> ka = Boolean.parseBoolean(p[1].trim());
                case "keepalive-ms" -> kams = Long.parseLong(p[1].trim());
                case "window" -> win = (int) dev.djinn.cluster.Sizes.parse(p[1].trim());
                default -> throw new dev.djinn.core.DjinnException("unknown --tcp option " + p[0]
                        + " (nodelay, sndbuf, rcvbuf, keepalive, keepalive-ms, window)");
            }
        }
        return new TcpOptions(nd, sb, rb, ka, kams, win);
    }
}
