// Shared by the llama.cpp drivers: command-line flags and loading node-llama-cpp from the folder it was
// installed into (never a djinn dependency; the scripts install it into a temporary folder).
import {pathToFileURL} from "node:url";
import path from "node:path";

/** Parses --name value flags (and bare --name for booleans) into an object; unknown flags are an error. */
export function parseFlags(argv, spec, usage) {
    const out = {...spec};
    for (let i = 0; i < argv.length; i++) {
        const name = argv[i].replace(/^--?/, "");
        if (!(name in spec) || !argv[i].startsWith("-")) {
            fail(`unknown argument ${argv[i]}\n${usage}`);
        }
        if (typeof spec[name] === "boolean") {
            out[name] = true;
        } else {
            if (i + 1 >= argv.length) fail(`${argv[i]} needs a value\n${usage}`);
            const v = argv[++i];
            out[name] = typeof spec[name] === "number" ? Number(v) : v;
            if (typeof spec[name] === "number" && !Number.isFinite(out[name])) fail(`${argv[i - 1]}: not a number: ${v}`);
        }
    }
    return out;
}

export function fail(message, code = 2) {
    process.stderr.write(message.endsWith("\n") ? message : message + "\n");
    process.exit(code);
}

/** node-llama-cpp from NODE_LLAMA_CPP_DIR (the npm --prefix folder), CPU only, never building from source. */
export async function loadLlama(threads) {
    const dir = process.env.NODE_LLAMA_CPP_DIR;
    if (!dir) fail("set NODE_LLAMA_CPP_DIR to the folder node-llama-cpp was installed into (npm --prefix)");
    const entry = path.join(dir, "node_modules", "node-llama-cpp", "dist", "index.js");
    const nlc = await import(pathToFileURL(entry).href);
    const llama = await nlc.getLlama({
        gpu: false, build: "never", maxThreads: threads, logLevel: nlc.LlamaLogLevel.error, progressLogs: false
    });
    return {nlc, llama};
}

/** A context for one sequence with exactly `threads` threads, flash attention off (as djinn computes). */
export async function createContext(model, {contextSize, batchSize, threads, kvType}) {
    const type = kvType.toUpperCase();
    return model.createContext({
        sequences: 1, contextSize, batchSize, threads: {ideal: threads, min: threads}, flashAttention: false,
        experimentalKvCacheKeyType: type, experimentalKvCacheValueType: type, ignoreMemorySafetyChecks: true
    });
}
