// Both engines loaded at once, taking turns repetition by repetition: llama.cpp in this process, djinn as a
// child (`djinn bench --turns`) answering one repetition per line it reads. The turns alternate which engine
// goes first, so the two see the same stretches of a machine whose memory bandwidth drifts from minute to
// minute. Prints llama.cpp's and djinn's JSON lines (each over its own repetitions); djinn's carries the
// median of djinn/llama.cpp over the pairs of neighbouring turns as "paired".
import {fail, parseFlags} from "./common.mjs";
import {llamaReport, openLlamaBench, stats} from "./bench-core.mjs";
import {spawn} from "node:child_process";
import readline from "node:readline";
import os from "node:os";

const usage = `usage: NODE_LLAMA_CPP_DIR=DIR node interleave.mjs --djinn bin/djinn --model FILE [-p 512] [-n 128]
       [-t 2] [-r 5] [-b 512] [--kv-type f16|f32] [--seed 42]      (-r: turns per engine, after one warm-up each)`;
const o = parseFlags(process.argv.slice(2),
    {djinn: "", model: "", p: 512, n: 128, t: 2, r: 5, b: 512, "kv-type": "f16", seed: 42}, usage);
if (!o.djinn || !o.model || o.p < 0 || o.n < 0 || o.p + o.n === 0 || o.r < 1 || o.b < 1) fail(usage);

const loadBefore = os.loadavg()[0];
const llama = await openLlamaBench(o);
await llama.once();

const child = spawn(o.djinn, ["bench", "--model", o.model, "-p", String(o.p), "-n", String(o.n), "-t", String(o.t),
    "-b", String(o.b), "--kv-type", o["kv-type"], "--seed", String(o.seed), "--json", "--turns"],
    {stdio: ["pipe", "pipe", "inherit"]});
const lines = readline.createInterface({input: child.stdout})[Symbol.asyncIterator]();
async function djinnLine() {
    for (;;) {
        const next = await lines.next();
        if (next.done) fail("djinn bench --turns ended early (its error is above)", 1);
        // JSON lines only: JVM options (a flight recording, say) may print their own lines
        if (next.value.startsWith("{")) return JSON.parse(next.value);
        process.stderr.write(next.value + "\n");
    }
}
if (!(await djinnLine()).ready) fail("djinn bench --turns did not start as expected", 1);

async function djinnTurn() {
    child.stdin.write("turn\n");
    return djinnLine();
}

const llamaReps = [], djinnTurns = [];
for (let i = 0; i < o.r; i++) {
    if (i % 2 === 0) {
        llamaReps.push(await llama.once());
        djinnTurns.push(await djinnTurn());
    } else {
        djinnTurns.push(await djinnTurn());
        llamaReps.push(await llama.once());
    }
    const l = llamaReps[i], d = djinnTurns[i];
    const f = x => x == null ? "-" : x.toFixed(2);
    process.stderr.write(`turn ${i + 1}: pp ${f(o.p > 0 ? o.p * 1e9 / l.prefill : null)} / ${f(d.pp)},`
        + ` tg ${f(o.n > 0 ? o.n * 1e9 / l.generate : null)} / ${f(d.tg)} (llama.cpp / djinn t/s)\n`);
}
child.stdin.end();
const djinn = await djinnLine();
await new Promise(resolve => child.on("close", resolve));
await llama.dispose();

const ratios = key => djinnTurns.map((d, i) => {
    const l = llamaReps[i];
    const lt = key === "pp" ? o.p * 1e9 / l.prefill : o.n * 1e9 / l.generate;
    return d[key] / lt;
});
djinn.paired = {
    turns: o.r, pp: o.p > 0 ? stats(ratios("pp")) : null, tg: o.n > 0 ? stats(ratios("tg")) : null
};
const loadAfter = os.loadavg()[0];
console.log(JSON.stringify(llamaReport(o, llamaReps, loadBefore, loadAfter)));
console.log(JSON.stringify(djinn));
