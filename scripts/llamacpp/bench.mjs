// llama.cpp's speed measured the way `djinn bench` measures djinn's (see bench-core.mjs): one warm-up
// repetition, then -r measured ones. Prints one JSON line with the fields of `djinn bench --json` that apply.
import {fail, parseFlags} from "./common.mjs";
import {llamaReport, openLlamaBench} from "./bench-core.mjs";
import os from "node:os";

const usage = `usage: NODE_LLAMA_CPP_DIR=DIR node bench.mjs --model FILE [-p 512] [-n 128] [-t 2] [-r 5] [-b 512]
       [--kv-type f16|f32] [--seed 42]`;
const o = parseFlags(process.argv.slice(2),
    {model: "", p: 512, n: 128, t: 2, r: 5, b: 512, "kv-type": "f16", seed: 42}, usage);
if (!o.model || o.p < 0 || o.n < 0 || o.p + o.n === 0 || o.r < 1 || o.b < 1) fail(usage);

const loadBefore = os.loadavg()[0];
const bench = await openLlamaBench(o);
await bench.once();
const reps = [];
for (let i = 0; i < o.r; i++) reps.push(await bench.once());
console.log(JSON.stringify(llamaReport(o, reps, loadBefore, os.loadavg()[0])));
await bench.dispose();
