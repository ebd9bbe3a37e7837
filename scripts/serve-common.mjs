// Shared by the benchmark drivers (HTTP and llama.cpp): the same prompts and the same statistics.

/** count ids from splitmix64(seed) below vocab: a fixed, portable sequence (djinn bench draws the same). */
export function splitmixIds(count, seed, vocab) {
    let s = BigInt(seed) & 0xffffffffffffffffn;
    const next = () => {
        s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
        let z = s;
        z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
        z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
        return z ^ (z >> 31n);
    };
    const n = BigInt(vocab);
    return Array.from({length: count}, () => Number(next() % n));
}

/** count ids: BOS, then ids from splitmix64(seed) below 128000 (ordinary tokens of Llama 3's vocabulary). */
export function promptIds(count, seed, bos, vocab = 128000) {
    const ids = splitmixIds(count, seed, vocab);
    ids[0] = bos;
    return ids;
}

/** Nearest-rank percentile of a list of numbers, rounded to 0.1. */
export function percentile(xs, p) {
    const v = [...xs].sort((a, b) => a - b);
    const i = Math.min(v.length - 1, Math.max(0, Math.ceil(p / 100 * v.length) - 1));
    return Math.round(v[i] * 10) / 10;
}
