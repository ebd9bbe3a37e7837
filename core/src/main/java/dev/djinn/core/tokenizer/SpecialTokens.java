package dev.djinn.core.tokenizer;

import dev.djinn.core.gguf.GgufMetadata;

import java.util.BitSet;
import java.util.List;

/**
 * The special token ids of a vocabulary and the end-of-generation set, resolved the way llama.cpp (b4748) does:
 * model-type defaults, overridden by in-range ids from the metadata, then well-known token texts (EOT, EOM, FIM)
 * are detected and forced to CONTROL type.
 */
record SpecialTokens(int bos, int eos, int unk, int eot, int eom, boolean addBos, boolean addEos, BitSet eog) {

    /** What a tokenizer model assumes when the metadata is silent. */
    record Defaults(int bos, int eos, int unk, boolean addBos, boolean addEos) {
    }

    private static final String PREFIX = "tokenizer.ggml.";
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<｜fim▁begin｜>", "<PRE>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<｜fim▁hole｜>", "<SUF>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<｜fim▁end｜>", "<MID>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<PAD>");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    // llama.cpp b4748's list, plus two later additions (<|end_of_text|>, _<EOT>) that name the same kind of token
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>");

    /** Resolves the special tokens; may change some token types of {@code vocab} to CONTROL. */
    static SpecialTokens resolve(GgufMetadata md, Vocabulary vocab, Defaults defaults) {
        int bos = id(md, vocab, "bos_token_id", defaults.bos());
        int eos = id(md, vocab, "eos_token_id", defaults.eos());
        int unk = id(md, vocab, "unknown_token_id", defaults.unk());
        int eot = id(md, vocab, "eot_token_id", -1);
        int eom = id(md, vocab, "eom_token_id", -1);
        int fimPad = id(md, vocab, "fim_pad_token_id", -1);
        int fimRep = id(md, vocab, "fim_rep_token_id", -1);
        int fimSep = id(md, vocab, "fim_sep_token_id", -1);
        int fimPre = id(md, vocab, "prefix_token_id", id(md, vocab, "fim_pre_token_id", -1));
        int fimSuf = id(md, vocab, "suffix_token_id", id(md, vocab, "fim_suf_token_id", -1));
        int fimMid = id(md, vocab, "middle_token_id", id(md, vocab, "fim_mid_token_id", -1));
        boolean addBos = md.boolOr(PREFIX + "add_bos_token", defaults.addBos());
        boolean addEos = md.boolOr(PREFIX + "add_eos_token", defaults.addEos());

        // token texts that llama.cpp recognises when the ids are not in the metadata
        eot = detect(vocab, eot, EOT_TEXTS);
        eom = detect(vocab, eom, EOM_TEXTS);
        detect(vocab, fimPre, FIM_PRE_TEXTS);
        detect(vocab, fimSuf, FIM_SUF_TEXTS);
        detect(vocab, fimMid, FIM_MID_TEXTS);
        fimPad = detect(vocab, fimPad, FIM_PAD_TEXTS);
        fimRep = detect(vocab, fimRep, FIM_REP_TEXTS);
        fimSep = detect(vocab, fimSep, FIM_SEP_TEXTS);

        BitSet eog = new BitSet(vocab.size());
        for (int id : new int[] {fimPad, fimRep, fimSep, eos, eot, eom}) {
            if (id >= 0) {
                eog.set(id);
            }
        }
        for (String text : EOG_TEXTS) {
            int id = vocab.id(text);
            if (id >= 0) {
                eog.set(id);
                vocab.setType(id, TokenType.CONTROL);
            }
        }
        return new SpecialTokens(bos, eos, unk, eot, eom, addBos, addEos, eog);
    }

    /** The metadata id when it is in range (llama.cpp ignores out-of-range ids), else the fallback if in range. */
    private static int id(GgufMetadata md, Vocabulary vocab, String key, int fallback) {
        long id = md.integer(PREFIX + key).orElse(-1L);
        if (id >= 0 && id < vocab.size()) {
            return (int) id;
        }
        return vocab.contains(fallback) ? fallback : -1;
    }

    /** Keeps a known id; otherwise finds the first token with one of {@code texts} and makes it CONTROL. */
    private static int detect(Vocabulary vocab, int known, List<String> texts) {
        if (known >= 0) {
            return known;
        }
        int found = -1;
        for (String text : texts) {
            int id = vocab.id(text);
            if (id >= 0 && (found < 0 || id < found)) {
                found = id;
            }
        }
        if (found >= 0) {
            vocab.setType(found, TokenType.CONTROL);
        }
        return found;
    }
}
