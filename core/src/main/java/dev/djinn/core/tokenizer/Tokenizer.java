package dev.djinn.core.tokenizer;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufMetadata;

/**
 * Text to token ids and back, reproducing llama.cpp (b4748) token for token: {@link #encode} equals
 * {@code llama_tokenize} and {@link #pieceBytes} equals {@code llama_token_to_piece} with {@code special = false}
 * (except that the unknown token shows its text). Instances are immutable and thread-safe.
 */
public sealed interface Tokenizer permits BaseTokenizer {

    /** Builds the tokenizer a GGUF file describes: SentencePiece ({@code llama}) or byte-level BPE ({@code gpt2}). */
    static Tokenizer fromMetadata(GgufMetadata metadata) {
        String model = metadata.string("tokenizer.ggml.model")
                .orElseThrow(() -> new DjinnException("The model file has no tokenizer (tokenizer.ggml.model is missing)."));
        return switch (model) {
            case "llama" -> SentencePieceTokenizer.load(metadata);
            case "gpt2" -> BpeTokenizer.load(metadata);
            default -> throw new DjinnException("Unsupported tokenizer model '" + model
                    + "'; djinn supports 'llama' (SentencePiece) and 'gpt2' (byte-level BPE).");
        };
    }

    /**
     * Tokenizes {@code text} like {@code llama_tokenize(text, add_special, parse_special)}: {@code addSpecial} adds
     * BOS/EOS as the vocabulary asks; {@code parseSpecial} turns control-token texts such as {@code <|im_end|>} into
     * their ids (user-defined tokens are always matched).
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes {@code token} adds to the output text: SentencePiece's U+2581 becomes a space, {@code <0xNN>} the byte
     * NN, byte-level BPE characters their bytes; empty for control tokens; the unknown token's own text.
     */
    byte[] pieceBytes(int token);

    /** The token's vocabulary string as stored in the model file. */
    String piece(int token);

    int vocabSize();

    /** -1 when the vocabulary has none. */
    int bosId();

    /** -1 when the vocabulary has none. */
    int eosId();

    boolean addBos();

    boolean addEos();

    /** EOS, EOT, EOM and the tokens llama.cpp recognises by text ({@code <|im_end|>}, {@code <|eot_id|>}, ...). */
    boolean isEndOfGeneration(int token);

    boolean isControl(int token);

    /** The pieces of {@code tokens} joined and decoded as UTF-8, invalid sequences replaced by U+FFFD. */
    String decode(int[] tokens);
}
