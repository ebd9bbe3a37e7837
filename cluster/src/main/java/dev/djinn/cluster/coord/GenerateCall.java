package dev.djinn.cluster.coord;

import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.sampling.SamplingParams;

import java.util.ArrayList;
import java.util.List;

/** Messages of the {@code Generate} call: what a client asks, and the events streamed back. */
public final class GenerateCall {
    public static final int EVENT_TOKEN = 1;
    public static final int EVENT_DONE = 2;

    private GenerateCall() {
    }

    /**
     * A generation request.
     *
     * @param promptIds  token ids to use instead of tokenizing {@code prompt} (null: tokenize)
     * @param ctx        context length (0: the node's default), capped at the model's
     * @param batch      most prompt tokens per step (0: the cluster's)
     * @param kvType     "f16", "f32" or "" (the node's default)
     * @param wire       hidden-state wire format, or "" for the cluster's
     * @param forced     teacher-forced tokens (null: none)
     * @param paceMs     wait this long before each decode step (tests: makes a generation last)
     */
    public record Request(String prompt, int[] promptIds, SamplingParams sampling, int maxTokens, List<String> stop,
                          boolean ignoreEos, int logprobs, int ctx, int batch, String kvType, String wire,
                          int[] forced, int paceMs) {
        public Request(String prompt, int[] promptIds, SamplingParams sampling, int maxTokens, List<String> stop,
                       boolean ignoreEos, int logprobs, int ctx, int batch, String kvType, String wire, int[] forced) {
            this(prompt, promptIds, sampling, maxTokens, stop, ignoreEos, logprobs, ctx, batch, kvType, wire, forced, 0);
        }

        public byte[] encode() {
            ByteWriter w = new ByteWriter(256);
            w.string(prompt);
            ints(w, promptIds);
            w.f32(sampling.temperature()).varint(sampling.topK()).f32(sampling.topP()).f32(sampling.minP())
                    .f32(sampling.repeatPenalty()).svarint(sampling.repeatLastN()).f32(sampling.frequencyPenalty())
                    .f32(sampling.presencePenalty()).i64(sampling.seed());
            w.svarint(maxTokens).varint(stop.size());
            for (String s : stop) {
                w.string(s);
            }
            w.bool(ignoreEos).svarint(logprobs).varint(ctx).varint(batch).string(kvType).string(wire);
            ints(w, forced);
            w.varint(paceMs);
            return w.toByteArray();
        }

        public static Request decode(byte[] b) {
            ByteReader r = new ByteReader(b);
            String prompt = r.string();
            int[] ids = ints(r);
            SamplingParams sp = new SamplingParams(r.f32(), r.count(), r.f32(), r.f32(), r.f32(), (int) r.svarint(),
                    r.f32(), r.f32(), r.i64());
            int max = (int) r.svarint();
            int n = r.count();
            List<String> stop = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                stop.add(r.string());
            }
            return new Request(prompt, ids, sp, max, stop, r.bool(), (int) r.svarint(), r.count(), r.count(),
                    r.string(), r.string(), ints(r), r.count());
        }

        private static void ints(ByteWriter w, int[] a) {
            if (a == null) {
                w.bool(false);
                return;
            }
            w.bool(true).varint(a.length);
            for (int v : a) {
                w.varint(v);
            }
        }

        private static int[] ints(ByteReader r) {
            if (!r.bool()) {
                return null;
            }
            int[] a = new int[r.count()];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.count();
            }
            return a;
        }
    }

    public static byte[] token(int token, String text) {
        return new ByteWriter(16 + text.length() * 3).u8(EVENT_TOKEN).svarint(token).string(text).toByteArray();
    }

    /** The end of a generation, with its timings and where it ran. */
    public record Done(FinishReason finish, int promptTokens, long promptNanos, int generatedTokens,
                       long generationNanos, String route, long recoveries) {
        public byte[] encode() {
            return new ByteWriter(64).u8(EVENT_DONE).u8(finish.ordinal()).varint(promptTokens).varint(promptNanos)
                    .varint(generatedTokens).varint(generationNanos).string(route).varint(recoveries).toByteArray();
        }

        static Done read(ByteReader r) {
            return new Done(FinishReason.values()[r.u8()], r.count(), r.varint(), r.count(), r.varint(), r.string(),
                    r.varint());
        }

        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
        }

        public double generationTokensPerSecond() {
            return generationNanos == 0 || generatedTokens < 2 ? 0 : (generatedTokens - 1) * 1e9 / generationNanos;
        }
    }

    /** A decoded event: a token (with its text) or the end. */
    public record Event(int token, String text, Done done) {
        public static Event decode(byte[] b) {
            ByteReader r = new ByteReader(b);
            int type = r.u8();
            if (type == EVENT_TOKEN) {
                return new Event((int) r.svarint(), r.string(), null);
            }
            return new Event(-1, "", Done.read(r));
        }
    }
}
