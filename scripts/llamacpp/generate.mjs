// Greedy generation in llama.cpp (through node-llama-cpp) for comparison with `djinn run --temp 0 --ids`.
// Prints the prompt ids and generated ids, and the smallest gap between the top two logits (how close the
// run came to a tie). With --expect (djinn's prompt + generated ids, as `djinn run --echo --ids` prints them)
// it compares and, at the first difference, gives llama.cpp's logit gap between its token and djinn's.
// Exit status: 0 equal (or nothing to compare), 1 different, 2 usage or load error.
import {createContext, fail, loadLlama, parseFlags} from "./common.mjs";

const usage = `usage: NODE_LLAMA_CPP_DIR=DIR node generate.mjs --model FILE [--prompt TEXT] [--n 32] [--threads 2]
       [--kv-type f32|f16] [--expect "IDS"]`;
const o = parseFlags(process.argv.slice(2),
    {model: "", prompt: "Once upon a time", n: 32, threads: 2, "kv-type": "f32", expect: ""}, usage);
if (!o.model) fail(usage);

const {llama} = await loadLlama(o.threads);
const model = await llama.loadModel({modelPath: o.model});
const promptIds = model.tokenize(o.prompt, true);
if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) promptIds.unshift(model.tokens.bos);
const context = await createContext(model, {
    contextSize: promptIds.length + o.n + 1, batchSize: Math.max(promptIds.length, 1), threads: o.threads,
    kvType: o["kv-type"]
});
const sequence = context.getSequence();

// probabilities are the softmax of the raw logits, so ln(p_a / p_b) is the logit gap of tokens a and b
const steps = [];
for await (const r of sequence.evaluateWithMetadata(promptIds, {probabilities: true},
    {temperature: 0, yieldEogToken: true})) {
    const it = r.probabilities.entries(); // sorted, most probable first
    const [, p1] = it.next().value, [id2, p2] = it.next().value;
    steps.push({token: r.token, probabilities: r.probabilities, top2gap: Math.log(p1) - Math.log(p2), second: id2});
    if (steps.length >= o.n) break;
}
const generated = steps.map(s => s.token);
let minGap = {gap: Infinity, step: -1};
steps.forEach((s, i) => { if (s.top2gap < minGap.gap) minGap = {gap: s.top2gap, step: i}; });

console.log(`llama.cpp prompt ids:    ${promptIds.join(" ")}`);
console.log(`llama.cpp generated ids: ${generated.join(" ")}`);
console.log(`smallest top1-top2 logit gap: ${minGap.gap.toFixed(6)} (step ${minGap.step})`);

if (o.expect) {
    const theirs = o.expect.trim().split(/\s+/).map(Number);
    const ours = [...promptIds, ...generated];
    const djinnGenerated = theirs.slice(promptIds.length);
    console.log(`djinn prompt ids:        ${theirs.slice(0, promptIds.length).join(" ")}`);
    console.log(`djinn generated ids:     ${djinnGenerated.join(" ")}`);
    const first = ours.findIndex((id, i) => id !== theirs[i]);
    if (first < 0 && theirs.length === ours.length) {
        console.log(`equal: yes (${promptIds.length} prompt + ${generated.length} generated ids)`);
        process.exit(0);
    }
    if (first < 0 || first >= theirs.length) {
        console.log(`equal: no (lengths differ: llama.cpp ${ours.length}, djinn ${theirs.length})`);
    } else if (first < promptIds.length) {
        console.log(`equal: no (the prompts tokenize differently from position ${first})`);
    } else {
        const step = first - promptIds.length;
        const s = steps[step];
        const mine = s.token, other = theirs[first];
        const gap = Math.log(s.probabilities.get(mine)) - Math.log(s.probabilities.get(other) ?? 0);
        console.log(`equal: no (first difference at generation step ${step}: llama.cpp ${mine}, djinn ${other};`
            + ` llama.cpp's logit gap between them ${gap.toFixed(6)}, its top1-top2 gap ${s.top2gap.toFixed(6)})`);
    }
    process.exit(1);
}
process.exit(0);
