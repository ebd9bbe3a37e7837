package dev.djinn.cluster.store;

import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.core.DjinnException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * Moves model bytes between nodes. The {@link Rpc#FETCH} call streams the chunks a node asks for, each with
 * its CRC32C, at the pace the receiver reads them (gRPC flow control, so a multi-GiB range never sits in
 * memory); the receiver checks each checksum before writing and logging the chunk, and asks the next peer
 * for whatever is still missing when a peer fails. A progress bar on stderr shows the transfer.
 */
public final class Fetcher {
    private static final Logger LOG = Logger.getLogger(Fetcher.class.getName());

    private Fetcher() {
    }

    public static byte[] request(String modelId, BitSet chunks) {
        ByteWriter w = new ByteWriter(32 + chunks.cardinality() * 2);
        w.string(modelId).varint(chunks.cardinality());
        int prev = 0;
        for (int i = chunks.nextSetBit(0); i >= 0; i = chunks.nextSetBit(i + 1)) {
            w.varint(i - prev);
            prev = i;
        }
        return w.toByteArray();
    }

    /** Serves a fetch request from {@code store}, paced by the client's flow control. */
    public static void serve(ModelStore store, byte[] request, StreamObserver<byte[]> out) {
        ByteReader r = new ByteReader(request);
        String id = r.string();
        if (!id.equals(store.modelId())) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("this node serves model " + store.modelId()
                    + ", not " + id).asRuntimeException());
            return;
        }
        int n = r.count();
        int[] indices = new int[n];
        int prev = 0;
        for (int i = 0; i < n; i++) {
            prev += r.count();
            indices[i] = prev;
        }
        for (int i : indices) {
            if (!store.hasChunk(i) || (long) i * ModelStore.CHUNK >= store.fileSize()) {
                out.onError(Status.NOT_FOUND.withDescription("this node does not have chunk " + i).asRuntimeException());
                return;
            }
        }
        ServerCallStreamObserver<byte[]> so = (ServerCallStreamObserver<byte[]>) out;
        int[] next = {0};
        boolean[] done = {false};
        Runnable pump = () -> {
            synchronized (next) {
                while (!done[0] && so.isReady() && !so.isCancelled()) {
                    if (next[0] == indices.length) {
                        done[0] = true;
                        so.onCompleted();
                        return;
                    }
                    int index = indices[next[0]++];
                    byte[] data = store.read((long) index * ModelStore.CHUNK, store.chunkLength(index));
                    CRC32C crc = new CRC32C();
                    crc.update(data);
                    ByteWriter w = new ByteWriter(data.length + 16);
                    w.varint(index).i32((int) crc.getValue()).blob(data);
                    so.onNext(w.toByteArray());
                }
            }
        };
        so.setOnReadyHandler(pump);
        pump.run();
    }

    /**
     * Fetches the {@code need}ed chunks into {@code store}, trying {@code peers} (endpoints) in turn. Blocks
     * until done.
     *
     * @throws DjinnException when no peer could provide everything
     */
    public static void fetch(ModelStore store, BitSet need, List<String> peers, Function<String, Channel> channels,
                             String label) {
        BitSet missing = (BitSet) need.clone();
        missing.andNot(knownChunks(store, need));
        if (missing.isEmpty()) {
            return;
        }
        long total = 0;
        for (int i = missing.nextSetBit(0); i >= 0; i = missing.nextSetBit(i + 1)) {
            total += store.chunkLength(i);
        }
        String lastError = "no peer has them";
        try (ProgressBar bar = progress(label, total);
             FileChannel data = store.openData();
             FileChannel log = store.openLog()) {
            for (String peer : peers) {
                if (missing.isEmpty()) {
                    break;
                }
                try {
                    Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channels.apply(peer), Rpc.FETCH,
                            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.MINUTES),
                            request(store.modelId(), missing));
                    while (it.hasNext()) {
                        ByteReader r = new ByteReader(it.next());
                        int index = r.count();
                        int crc = r.i32();
                        byte[] bytes = r.blob();
                        CRC32C c = new CRC32C();
                        c.update(bytes);
                        if ((int) c.getValue() != crc || !missing.get(index)) {
                            throw new IOException("chunk " + index + " from " + peer + " failed its checksum");
                        }
                        store.writeChunk(data, log, index, bytes);
                        missing.clear(index);
                        bar.stepBy(bytes.length);
                    }
                } catch (StatusRuntimeException | IOException e) {
                    lastError = peer + ": " + e.getMessage();
                    LOG.warning("fetching layers from " + lastError + "; trying the next peer");
                }
            }
            data.force(false);
            log.force(false);
        } catch (IOException e) {
            throw new DjinnException("cannot store fetched layers in " + store.path() + ": " + e.getMessage(), e);
        }
        if (!missing.isEmpty()) {
            throw new DjinnException("could not fetch " + missing.cardinality() + " chunks of the model ("
                    + label + "): " + lastError);
        }
    }

    private static BitSet knownChunks(ModelStore store, BitSet need) {
        BitSet have = new BitSet();
        for (int i = need.nextSetBit(0); i >= 0; i = need.nextSetBit(i + 1)) {
            if (store.hasChunk(i)) {
                have.set(i);
            }
        }
        return have;
    }

    private static ProgressBar progress(String label, long total) {
        boolean tty = System.console() != null && System.console().isTerminal();
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(label).setInitialMax(total)
                .setUnit("MiB", 1 << 20).showSpeed();
        if (tty) {
            b.setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK);
        } else {
            // not a terminal (a log file, a test): plain ASCII lines, one per second
            PrintStream err = System.err;
            b.setStyle(ProgressBarStyle.ASCII).setMaxRenderedLength(100).setUpdateIntervalMillis(1000)
                    .setConsumer(new DelegatingProgressBarConsumer(err::println, 100));
        }
        return b.build();
    }
}
