package dev.djinn.cluster.wire;

import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.engine.sampling.TokenLogprob;
import dev.djinn.engine.sampling.TokenLogprobs;

import java.util.ArrayList;
import java.util.List;

/**
 * The messages of the data plane. Every frame starts with a kind byte and the 8-byte id of the route (one
 * pipeline of stages set up by a coordinator) it belongs to. Frames of a route travel the same streams in
 * the same order as its steps, so a sequence is always opened on a stage before its first step arrives.
 *
 * <pre>
 * STEP   kind route varint:step u8:flags u8:wire varint:rows varint:runs
 *        { varint:seq varint:firstPos varint:(count<<1|prompt) count*varint:token ceil(count/8):sampleBits }*
 *        hidden (absent on the way to the first stage)
 * OPEN   kind route varint:seq varint:capacity u8:kv sampling svarint:logprobs
 * CLOSE  kind route varint:seq
 * RESULT kind route varint:step varint:rows rows*svarint:token u8:hasLogprobs [logprobs]
 * ERROR  kind route varint:step string:message
 * </pre>
 * A run is a stretch of rows of one sequence at consecutive positions, so a decode row costs about 6 bytes
 * and a 1-row STEP header about 22.
 */
public sealed interface Frame {
    int STEP = 1;
    int OPEN = 2;
    int CLOSE = 3;
    int RESULT = 4;
    int ERROR = 5;

    long route();

    /** Flag bit of a STEP replayed after a re-plan: its results only rebuild state and are not reported. */
    int FLAG_REPLAY = 1;
    /** Flag bit of a STEP whose hidden state is carried (every hop after the first). */
    int FLAG_HIDDEN = 2;

    static int kind(byte[] frame) {
        if (frame.length < 9) {
            throw new WireException("frame of " + frame.length + " bytes is too short");
        }
        return frame[0];
    }

    static long route(byte[] frame) {
        return new ByteReader(frame, 1, 8).i64();
    }

    /**
     * A batched forward step. {@code payload} is the reader positioned at the hidden state when
     * {@link #hasHidden()}.
     */
    record Step(long route, long step, int flags, WireFormat wire, int rows, long[] seqs, int[] positions,
                int[] tokens, boolean[] sample, boolean[] prompt, ByteReader payload) implements Frame {
        public boolean replay() {
            return (flags & FLAG_REPLAY) != 0;
        }

        public boolean hasHidden() {
            return (flags & FLAG_HIDDEN) != 0;
        }

        /** Writes the header; with {@code hidden} non-null, the rows' hidden state follows. */
        public static void write(ByteWriter w, long route, long step, boolean replay, WireFormat wire, int rows,
                                 long[] seqs, int[] positions, int[] tokens, boolean[] sample, boolean[] prompt,
                                 float[] hidden,
                                 int dim) {
            w.u8(STEP).i64(route).varint(step);
            w.u8((replay ? FLAG_REPLAY : 0) | (hidden != null ? FLAG_HIDDEN : 0));
            w.u8(wire.id()).varint(rows);
            int runsAt = w.size();
            int runs = 0;
            for (int i = 0; i < rows; i = runEnd(seqs, positions, prompt, i, rows)) {
                runs++;
            }
            w.varint(runs);
            for (int i = 0; i < rows; ) {
                int end = runEnd(seqs, positions, prompt, i, rows);
                int count = end - i;
                w.varint(seqs[i]).varint(positions[i]).varint((long) count << 1 | (isPrompt(prompt, i) ? 1 : 0));
                for (int j = i; j < end; j++) {
                    w.varint(tokens[j]);
                }
                for (int b = 0; b < count; b += 8) {
                    int bits = 0;
                    for (int j = 0; j < 8 && b + j < count; j++) {
                        if (sample[i + b + j]) {
                            bits |= 1 << j;
                        }
                    }
                    w.u8(bits);
                }
                i = end;
            }
            assert runsAt > 0;
            if (hidden != null) {
                HiddenCodec.encode(hidden, rows, dim, wire, w);
            }
        }

        private static boolean isPrompt(boolean[] prompt, int i) {
            return prompt != null && prompt[i];
        }

        /** A run: consecutive positions of one sequence, all prompt rows or none. */
        private static int runEnd(long[] seqs, int[] positions, boolean[] prompt, int i, int rows) {
            int j = i + 1;
            while (j < rows && seqs[j] == seqs[i] && positions[j] == positions[j - 1] + 1
                    && isPrompt(prompt, j) == isPrompt(prompt, i)) {
                j++;
            }
            return j;
        }

        static Step read(ByteReader r, long route) {
            long step = r.varint();
            int flags = r.u8();
            WireFormat wire = WireFormat.fromId(r.u8());
            int rows = r.count();
            if (rows > 1 << 20) {
                throw new WireException("step of " + rows + " rows");
            }
            long[] seqs = new long[rows];
            int[] positions = new int[rows];
            int[] tokens = new int[rows];
            boolean[] sample = new boolean[rows];
            boolean[] prompt = new boolean[rows];
            int runs = r.count();
            int row = 0;
            for (int k = 0; k < runs; k++) {
                long seq = r.varint();
                int first = r.count();
                int countAndPrompt = r.count();
                int count = countAndPrompt >>> 1;
                if (count > rows - row) {
                    throw new WireException("step runs exceed its " + rows + " rows");
                }
                for (int j = 0; j < count; j++) {
                    seqs[row + j] = seq;
                    positions[row + j] = first + j;
                    tokens[row + j] = r.count();
                    prompt[row + j] = (countAndPrompt & 1) != 0;
                }
                for (int b = 0; b < count; b += 8) {
                    int bits = r.u8();
                    for (int j = 0; j < 8 && b + j < count; j++) {
                        sample[row + b + j] = (bits & 1 << j) != 0;
                    }
                }
                row += count;
            }
            if (row != rows) {
                throw new WireException("step declares " + rows + " rows but its runs hold " + row);
            }
            return new Step(route, step, flags, wire, rows, seqs, positions, tokens, sample, prompt, r);
        }
    }

    record Open(long route, long seq, int capacity, int kvType, SamplingParams sampling, int logprobs)
            implements Frame {
        public byte[] encode() {
            ByteWriter w = new ByteWriter(80);
            w.u8(OPEN).i64(route).varint(seq).varint(capacity).u8(kvType);
            writeSampling(w, sampling);
            w.svarint(logprobs);
            return w.toByteArray();
        }

        static Open read(ByteReader r, long route) {
            return new Open(route, r.varint(), r.count(), r.u8(), readSampling(r), (int) r.svarint());
        }
    }

    record Close(long route, long seq) implements Frame {
        public byte[] encode() {
            return new ByteWriter(20).u8(CLOSE).i64(route).varint(seq).toByteArray();
        }
    }

    record Result(long route, long step, int[] sampled, TokenLogprobs[] logprobs) implements Frame {
        public byte[] encode() {
            ByteWriter w = new ByteWriter(24 + sampled.length * 2);
            w.u8(RESULT).i64(route).varint(step).varint(sampled.length);
            for (int t : sampled) {
                w.svarint(t);
            }
            boolean any = false;
            for (TokenLogprobs lp : logprobs) {
                any |= lp != null;
            }
            w.bool(any);
            if (any) {
                for (TokenLogprobs lp : logprobs) {
                    w.bool(lp != null);
                    if (lp != null) {
                        w.varint(lp.chosen().token()).f32(lp.chosen().logprob()).varint(lp.top().size());
                        for (TokenLogprob t : lp.top()) {
                            w.varint(t.token()).f32(t.logprob());
                        }
                    }
                }
            }
            return w.toByteArray();
        }

        static Result read(ByteReader r, long route) {
            long step = r.varint();
            int n = r.count();
            int[] sampled = new int[n];
            for (int i = 0; i < n; i++) {
                sampled[i] = (int) r.svarint();
            }
            TokenLogprobs[] lps = new TokenLogprobs[n];
            if (r.bool()) {
                for (int i = 0; i < n; i++) {
                    if (r.bool()) {
                        TokenLogprob chosen = new TokenLogprob(r.count(), r.f32());
                        int k = r.count();
                        List<TokenLogprob> top = new ArrayList<>(k);
                        for (int j = 0; j < k; j++) {
                            top.add(new TokenLogprob(r.count(), r.f32()));
                        }
                        lps[i] = new TokenLogprobs(chosen, top);
                    }
                }
            }
            return new Result(route, step, sampled, lps);
        }
    }

    record Error(long route, long step, String message) implements Frame {
        public byte[] encode() {
            return new ByteWriter(32 + message.length()).u8(ERROR).i64(route).varint(step).string(message)
                    .toByteArray();
        }
    }

    static Frame decode(byte[] frame) {
        ByteReader r = new ByteReader(frame);
        int kind = r.u8();
        long route = r.i64();
        return switch (kind) {
            case STEP -> Step.read(r, route);
            case OPEN -> Open.read(r, route);
            case CLOSE -> new Close(route, r.varint());
            case RESULT -> Result.read(r, route);
            case ERROR -> new Error(route, r.varint(), r.string());
            default -> throw new WireException("unknown frame kind " + kind);
        };
    }

    static void writeSampling(ByteWriter w, SamplingParams p) {
        w.f32(p.temperature()).varint(p.topK()).f32(p.topP()).f32(p.minP()).f32(p.repeatPenalty())
                .svarint(p.repeatLastN()).f32(p.frequencyPenalty()).f32(p.presencePenalty()).i64(p.seed());
    }

    static SamplingParams readSampling(ByteReader r) {
        return new SamplingParams(r.f32(), r.count(), r.f32(), r.f32(), r.f32(), (int) r.svarint(), r.f32(),
                r.f32(), r.i64());
    }
}
