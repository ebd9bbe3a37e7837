// llama.cpp's side of the serving benchmark: C requests at once on one context with C sequences (llama.cpp
// server's parallel slots; node-llama-cpp batches the sequences' decodes into one llama_decode, as the server
// does). Each request prefills its own prompt of random ids (BOS first), then decodes --max-tokens greedy tokens.
// Prints one JSON line in the shape scripts/serve-load.mjs prints for an HTTP server.
import {fail, loadLlama, parseFlags} from "./common.mjs";
import {percentile, promptIds} from "../serve-common.mjs";

const usage = `usage: NODE_LLAMA_CPP_DIR=DIR node serve-bench.mjs --model FILE --concurrency C [--prompt-tokens 32]
       [--max-tokens 32] [-t 2] [--kv-type f16] [--seed 1] [--warmup-tokens 16]`;
const o = parseFlags(process.argv.slice(2), {
    model: "", concurrency: 1, "prompt-tokens": 32, "max-tokens": 32, t: 2, "kv-type": "f16", seed: 1,
    "warmup-tokens": 16
}, usage);
if (!o.model || o.concurrency < 1 || o["prompt-tokens"] < 1 || o["max-tokens"] < 1) fail(usage);

const {llama} = await loadLlama(o.t);
const model = await llama.loadModel({modelPath: o.model});
const type = o["kv-type"].toUpperCase();
const context = await model.createContext({
    sequences: o.concurrency, contextSize: o["prompt-tokens"] + o["max-tokens"] + 8, batchSize: 512,
    threads: {ideal: o.t, min: o.t}, flashAttention: false, experimentalKvCacheKeyType: type,
    experimentalKvCacheValueType: type, ignoreMemorySafetyChecks: true
});
const sequences = Array.from({length: o.concurrency}, () => context.getSequence());
const bos = model.tokens.bos ?? 1;

/** One request on its own sequence: returns time to first token and tokens generated. */
async function request(sequence, index, tokens, round) {
    await sequence.clearHistory();
    const ids = promptIds(o["prompt-tokens"], o.seed * 1000003 + round * 1009 + index, bos);
    const t0 = process.hrtime.bigint();
    const it = sequence.evaluate(ids, {temperature: 0, yieldEogToken: true});
    let ttft = 0;
    let n = 0;
    for (let i = 0; i < tokens; i++) {
        const r = await it.next();
        if (r.done) break;
        if (n === 0) ttft = Number(process.hrtime.bigint() - t0) / 1e6;
        n++;
    }
    await it.return();
    return {ttft, generated: n, ms: Number(process.hrtime.bigint() - t0) / 1e6};
}

async function wave(tokens, round) {
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(sequences.map((s, i) => request(s, i, tokens, round)));
    return {results, wallMs: Number(process.hrtime.bigint() - t0) / 1e6};
}

await wave(o["warmup-tokens"], 0);
const {results, wallMs} = await wave(o["max-tokens"], 1);
const generated = results.reduce((a, r) => a + r.generated, 0);
const ttfts = results.map(r => r.ttft);
console.log(JSON.stringify({
    engine: "llama.cpp", concurrency: o.concurrency, slots: o.concurrency, requests: results.length,
    prompt_tokens: o["prompt-tokens"], max_tokens: o["max-tokens"], generated, wall_s: wallMs / 1000,
    aggregate_tps: generated / (wallMs / 1000), ttft_p50_ms: percentile(ttfts, 50), ttft_p99_ms: percentile(ttfts, 99),
    threads: o.t
}));
await context.dispose();
await model.dispose();
await llama.dispose();
