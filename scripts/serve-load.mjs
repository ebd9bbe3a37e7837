// The serving benchmark's HTTP driver: C streaming /v1/completions requests at once against an OpenAI-compatible
// server (djinn serve), each with its own prompt of random token ids (BOS first), greedy, ignore_eos, after one
// warm-up wave. Prints one JSON line: aggregate generated tokens/s over the wave's wall time, TTFT percentiles.
import {parseFlags, fail} from "./llamacpp/common.mjs";
import {percentile, promptIds} from "./serve-common.mjs";

const usage = `usage: node serve-load.mjs --url http://127.0.0.1:8080 --concurrency C [--prompt-tokens 32]
       [--max-tokens 32] [--seed 1] [--bos 128000] [--warmup-tokens 16] [--api-key KEY]`;
const o = parseFlags(process.argv.slice(2), {
    url: "", concurrency: 1, "prompt-tokens": 32, "max-tokens": 32, seed: 1, bos: 128000, "warmup-tokens": 16,
    "api-key": ""
}, usage);
if (!o.url || o.concurrency < 1) fail(usage);

async function request(index, tokens, round) {
    const prompt = promptIds(o["prompt-tokens"], o.seed * 1000003 + round * 1009 + index, o.bos);
    const headers = {"Content-Type": "application/json"};
    if (o["api-key"]) headers.Authorization = `Bearer ${o["api-key"]}`;
    const t0 = performance.now();
    const res = await fetch(`${o.url}/v1/completions`, {
        method: "POST", headers, body: JSON.stringify({
            prompt, max_tokens: tokens, temperature: 0, ignore_eos: true, stream: true,
            stream_options: {include_usage: true}
        })
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = "", ttft = 0, usage = null, finish = null;
    for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, {stream: true});
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
            const data = JSON.parse(event.slice(6));
            if (data.choices?.length && ttft === 0) ttft = performance.now() - t0;
            if (data.choices?.[0]?.finish_reason) finish = data.choices[0].finish_reason;
            if (data.usage) usage = data.usage;
        }
    }
    return {ttft, generated: usage?.completion_tokens ?? 0, finish, ms: performance.now() - t0};
}

async function wave(tokens, round) {
    const t0 = performance.now();
    const results = await Promise.all(Array.from({length: o.concurrency}, (_, i) => request(i, tokens, round)));
    return {results, wallMs: performance.now() - t0};
}

await wave(o["warmup-tokens"], 0);
const {results, wallMs} = await wave(o["max-tokens"], 1);
const generated = results.reduce((a, r) => a + r.generated, 0);
const short = results.filter(r => r.generated !== o["max-tokens"] || r.finish !== "length").length;
if (short) fail(`${short} of ${results.length} requests did not generate ${o["max-tokens"]} tokens`, 1);
const ttfts = results.map(r => r.ttft);
console.log(JSON.stringify({
    engine: "djinn", concurrency: o.concurrency, requests: results.length, prompt_tokens: o["prompt-tokens"],
    max_tokens: o["max-tokens"], generated, wall_s: wallMs / 1000, aggregate_tps: generated / (wallMs / 1000),
    ttft_p50_ms: percentile(ttfts, 50), ttft_p99_ms: percentile(ttfts, 99)
}));
