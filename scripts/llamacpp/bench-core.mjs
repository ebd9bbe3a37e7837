// llama.cpp's side of the speed comparison, measured the way `djinn bench` measures djinn's (node-llama-cpp
// ships no llama-bench): per repetition, a fresh KV cache, prefill of -p random token ids (BOS first), then -n
// greedy tokens, one decode each, continuing after the prompt. The JS per-token overhead (an async call and a
// sampler pass over the vocabulary) is part of tg, as djinn's argmax is part of its tg.
import {createContext, loadLlama} from "./common.mjs";
import {splitmixIds} from "../serve-common.mjs";
import fs from "node:fs";
import path from "node:path";

/** Loads the model; `once()` runs one repetition and returns its prefill and generation nanoseconds. */
export async function openLlamaBench(o) {
    const {llama} = await loadLlama(o.t);
    const model = await llama.loadModel({modelPath: o.model});
    const context = await createContext(model, {
        contextSize: o.p + o.n + 1, batchSize: Math.max(1, Math.min(o.b, o.p)), threads: o.t, kvType: o["kv-type"]
    });
    const sequence = context.getSequence();
    const embedding = model.fileInfo.tensorInfo.find(t => t.name === "token_embd.weight");
    // BOS first when the model adds one (as llama-bench does), then random ids from the whole vocabulary
    const prompt = splitmixIds(Math.max(1, o.p), o.seed, embedding.dimensions[1]);
    if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) prompt[0] = model.tokens.bos;

    async function once() {
        await sequence.clearHistory();
        // with a prompt: the first step prefills it (and samples the first token); then n more steps decode one
        // token each. Without one: n steps from the first id at position 0 (llama-bench's tg test).
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

    async function dispose() {
        await context.dispose();
        await model.dispose();
    }

    return {once, dispose};
}

/** Median, spread and mean of a list of numbers, rounded as `djinn bench --json` rounds them. */
export function stats(xs) {
    if (xs.length === 0) return null;
    const v = [...xs].sort((a, b) => a - b), n = v.length;
    const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    const mean = v.reduce((a, b) => a + b, 0) / n;
    const stdev = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
    const r = x => Math.round(x * 1000) / 1000;
    return {median: r(median), min: r(v[0]), max: r(v[n - 1]), mean: r(mean), stdev: r(stdev)};
}

/** llama.cpp's result line, with the fields of `djinn bench --json` that apply. */
export function llamaReport(o, reps, loadBefore, loadAfter) {
    return {
        engine: "llama.cpp", engine_version: "node-llama-cpp " + JSON.parse(fs.readFileSync(path.join(
            process.env.NODE_LLAMA_CPP_DIR, "node_modules", "node-llama-cpp", "package.json"), "utf8")).version,
        model: o.model.split("/").pop(), file_bytes: fs.statSync(o.model).size, threads: o.t, n_prompt: o.p,
        n_gen: o.n, repetitions: reps.length, batch: o.b, kv_type: o["kv-type"],
        pp: o.p > 0 ? stats(reps.map(r => o.p * 1e9 / r.prefill)) : null,
        tg: o.n > 0 ? stats(reps.map(r => o.n * 1e9 / r.generate)) : null,
        load_before: Math.round(loadBefore * 100) / 100, load_after: Math.round(loadAfter * 100) / 100
    };
}
