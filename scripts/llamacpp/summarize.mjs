// Summarises the JSON lines of scripts/bench-vs-llama-cpp.sh: per model, the median over rounds of each
// engine's pp and tg medians, and djinn's speed as a fraction of llama.cpp's.
import fs from "node:fs";

const file = process.argv[2];
if (!file) {
    process.stderr.write("usage: node summarize.mjs RESULTS.jsonl\n");
    process.exit(2);
}
const runs = fs.readFileSync(file, "utf8").split("\n").filter(l => l.trim()).map(l => JSON.parse(l));
const median = xs => {
    const v = xs.filter(x => x != null).sort((a, b) => a - b), n = v.length;
    return n === 0 ? null : n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};
const fmt = (x, d = 2) => x == null ? "-" : x.toFixed(d);
const range = xs => xs.length ? `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}` : "-";

const models = [...new Set(runs.map(r => r.model))];
const rows = [];
for (const m of models) {
    const of = engine => runs.filter(r => r.model === m && r.engine === engine);
    const l = of("llama.cpp"), d = of("djinn");
    const any = l[0] ?? d[0];
    for (const test of ["pp", "tg"]) {
        const n = test === "pp" ? any.n_prompt : any.n_gen;
        if (!n) continue;
        const lv = l.map(r => r[test]?.median).filter(x => x != null);
        const dv = d.map(r => r[test]?.median).filter(x => x != null);
        const lm = median(lv), dm = median(dv);
        rows.push([m, String(any.threads), `${test}${n}`, `${fmt(lm)} (${range(lv)})`, `${fmt(dm)} (${range(dv)})`,
            lm && dm ? fmt(dm / lm) : "-", String(Math.max(l.length, d.length))]);
    }
}
const head = ["model", "threads", "test", "llama.cpp t/s (round medians)", "djinn t/s (round medians)",
    "djinn/llama.cpp", "rounds"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
const line = cells => "| " + cells.map((c, i) => i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])).join(" | ") + " |";
console.log(line(head));
console.log("| " + widths.map((w, i) => i >= 3 ? "-".repeat(w - 1) + ":" : "-".repeat(w)).join(" | ") + " |");
rows.forEach(r => console.log(line(r)));
// interleaved runs: djinn/llama.cpp per pair of neighbouring turns, over every round
for (const m of models) {
    const paired = runs.filter(r => r.model === m && r.paired);
    for (const test of ["pp", "tg"]) {
        const v = paired.map(r => r.paired[test]?.median).filter(x => x != null);
        if (v.length) {
            console.log(`${m} ${test}: djinn/llama.cpp over neighbouring turns ${fmt(median(v))}`
                + ` (round medians ${range(v)}, ${paired.reduce((a, r) => a + r.paired.turns, 0)} pairs)`);
        }
    }
}
const loads = runs.flatMap(r => [r.load_before, r.load_after]).filter(x => x != null);
if (loads.length) console.log(`load average during the runs: ${fmt(Math.min(...loads))}-${fmt(Math.max(...loads))}`);
