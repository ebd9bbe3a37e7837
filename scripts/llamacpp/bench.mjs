// llama.cpp's speed measured the way `djinn bench` measures djinn's (node-llama-cpp ships no llama-bench):
// per repetition, a fresh KV cache, prefill of -p random token ids (BOS first), then -n greedy tokens,
// one decode each, continuing after the prompt; one warm-up repetition first. Prints one JSON line with
// the fields of `djinn bench --json` that apply. The JS per-token overhead (an async call and a sampler
// pass over the vocabulary) is part of tg, as djinn's argmax is part of its tg.
import {createContext, fail, loadLlama, parseFlags} from "./common.mjs";
import {splitmixIds} from "../serve-common.mjs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const usage = `usage: NODE_LLAMA_CPP_DIR=DIR node bench.mjs --model FILE [-p 512] [-n 128] [-t 2] [-r 5] [-b 512]
       [--kv-type f16|f32] [--seed 42]`;
const o = parseFlags(process.argv.slice(2),
    {model: "", p: 512, n: 128, t: 2, r: 5, b: 512, "kv-type": "f16", seed: 42}, usage);
if (!o.model || o.p < 0 || o.n < 0 || o.p + o.n === 0 || o.r < 1 || o.b < 1) fail(usage);

const loadBefore = os.loadavg()[0];
const {llama} = await loadLlama(o.t);
const model = await llama.loadModel({modelPath: o.model});
const context = await createContext(model, {
    contextSize: o.p + o.n + 1, batchSize: Math.max(1, Math.min(o.b, o.p)), threads: o.t, kvType: o["kv-type"]
});
const sequence = context.getSequence();
const prompt = promptIds(model, Math.max(1, o.p), o.seed);

/** BOS first when the model adds one (as llama-bench does), then random ids from the whole vocabulary. */
function promptIds(model, count, seed) {
    const embedding = model.fileInfo.tensorInfo.find(t => t.name === "token_embd.weight");
    const ids = splitmixIds(count, seed, embedding.dimensions[1]);
    if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) ids[0] = model.tokens.bos;
    return ids;
}

async function once() {
    await sequence.clearHistory();
    // with a prompt: the first step prefills it (and samples the first token); then n more steps decode one token
    // each. Without one: n steps from the first id at position 0 (llama-bench's tg test).
    const input = o.p > 0 ? prompt.slice(0, o.p) : [prompt[0]];
    const it = sequence.evaluate(input, {temperature: 0, yieldEogToken: true});
    let prefill = 0;
    if (o.p > 0) {
        const t0 = process.hrtime.bigint();
        await it.next();
        prefill = Number(process.hrtime.bigint() - t0);
    }
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < o.n; i++) {
        await it.next();
    }
    const generate = Number(process.hrtime.bigint() - t1);
    await it.return();
    return {prefill, generate};
}

await once();
const reps = [];
for (let i = 0; i < o.r; i++) reps.push(await once());

function stats(xs) {
    if (xs.length === 0) return null;
    const v = [...xs].sort((a, b) => a - b), n = v.length;
    const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    const mean = v.reduce((a, b) => a + b, 0) / n;
    const stdev = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
    const r = x => Math.round(x * 1000) / 1000;
    return {median: r(median), min: r(v[0]), max: r(v[n - 1]), mean: r(mean), stdev: r(stdev)};
}

console.log(JSON.stringify({
    engine: "llama.cpp", engine_version: "node-llama-cpp " + JSON.parse(fs.readFileSync(path.join(
        process.env.NODE_LLAMA_CPP_DIR, "node_modules", "node-llama-cpp", "package.json"), "utf8")).version,
    model: o.model.split("/").pop(), file_bytes: fs.statSync(o.model).size, threads: o.t, n_prompt: o.p, n_gen: o.n,
    repetitions: o.r, batch: o.b, kv_type: o["kv-type"],
    pp: o.p > 0 ? stats(reps.map(r => o.p * 1e9 / r.prefill)) : null,
    tg: o.n > 0 ? stats(reps.map(r => o.n * 1e9 / r.generate)) : null,
    load_before: Math.round(loadBefore * 100) / 100, load_after: Math.round(os.loadavg()[0] * 100) / 100
}));
await context.dispose();
await model.dispose();
