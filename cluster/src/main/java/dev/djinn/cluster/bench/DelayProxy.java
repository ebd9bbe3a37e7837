package dev.djinn.cluster.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP delay line for benchmark (d), standing in for {@code tc netem delay} where the kernel lacks netem:
 * every chunk read on either side of a connection is written to the other side {@code delay} after it was
 * read, in order. Usage: {@code DelayProxy LISTEN_HOST:PORT TARGET_HOST:PORT DELAY_MS}.
 */
public final class DelayProxy {
    private record Chunk(long due, byte[] data) {
    }

    private DelayProxy() {
    }

    public static void main(String[] args) throws IOException {
        InetSocketAddress listen = parse(args[0]);
        InetSocketAddress target = parse(args[1]);
        long delayNanos = (long) (Double.parseDouble(args[2]) * 1_000_000);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(listen);
            System.err.println("delay proxy " + args[0] + " -> " + args[1] + " +" + args[2] + " ms");
            while (true) {
                Socket in = server.accept();
                Socket out = new Socket();
                out.connect(target);
                for (Socket s : new Socket[] {in, out}) {
                    s.setTcpNoDelay(true);
                    s.setSendBufferSize(4 << 20);
                    s.setReceiveBufferSize(4 << 20);
                }
                pipe(in, out, delayNanos);
                pipe(out, in, delayNanos);
            }
        }
    }

    private static void pipe(Socket from, Socket to, long delayNanos) {
        LinkedBlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[1 << 16];
            try (InputStream is = from.getInputStream()) {
                int n;
                while ((n = is.read(buf)) >= 0) {
                    line.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
                }
            } catch (IOException ignored) {
                // connection closed
            }
            line.add(new Chunk(0, null));
        });
        Thread.ofPlatform().daemon().start(() -> {
            try (OutputStream os = to.getOutputStream()) {
                while (true) {
                    Chunk c = line.take();
                    if (c.data() == null) {
                        break;
                    }
                    long wait = c.due() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    os.write(c.data());
                    os.flush();
                }
            } catch (IOException | InterruptedException ignored) {
                // connection closed
            }
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // already closed
            }
        });
    }

    private static InetSocketAddress parse(String hp) {
        int c = hp.lastIndexOf(':');
        return new InetSocketAddress(hp.substring(0, c), Integer.parseInt(hp.substring(c + 1)));
    }
}
