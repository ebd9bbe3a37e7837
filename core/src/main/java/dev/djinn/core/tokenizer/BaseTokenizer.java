package dev.djinn.core.tokenizer;

import dev.djinn.core.tokenizer.SpecialTokenSplitter.Fragment;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** What SentencePiece and BPE share: special-token splitting, BOS/EOS, token types and the piece cache. */
abstract sealed class BaseTokenizer implements Tokenizer permits SentencePieceTokenizer, BpeTokenizer {
    private static final byte[] EMPTY = new byte[0];

    final Vocabulary vocab;
    final SpecialTokens special;
    private final SpecialTokenSplitter splitter;
    private final byte[][] pieces;

    BaseTokenizer(Vocabulary vocab, SpecialTokens special, Function<String, byte[]> normalPiece) {
        this.vocab = vocab;
        this.special = special;
        this.splitter = new SpecialTokenSplitter(vocab);
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            pieces[id] = pieceOf(vocab.type(id), vocab.text(id), normalPiece);
        }
    }

    /** Tokenizes one fragment of plain text; {@code afterSpecial} is true at the start and after a special token. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    @Override
    public final int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        if (addSpecial && special.addBos() && special.bos() >= 0) {
            out.add(special.bos());
        }
        boolean afterSpecial = true;
        for (Fragment fragment : splitter.split(text, parseSpecial)) {
            switch (fragment) {
                case Fragment.Text t -> {
                    encodeText(t.text(), afterSpecial, out);
                    afterSpecial = false;
                }
                case Fragment.Token t -> {
                    out.add(t.id());
                    afterSpecial = true;
                }
            }
        }
        if (addSpecial && special.addEos() && special.eos() >= 0) {
            out.add(special.eos());
        }
        return out.toArray();
    }

    @Override
    public final byte[] pieceBytes(int token) {
        return pieceView(token).clone();
    }

    /** The cached piece itself, not to be modified. */
    private byte[] pieceView(int token) {
        checkToken(token);
        return pieces[token];
    }

    @Override
    public final String piece(int token) {
        checkToken(token);
        return vocab.text(token);
    }

    @Override
    public final int vocabSize() {
        return vocab.size();
    }

    @Override
    public final int bosId() {
        return special.bos();
    }

    @Override
    public final int eosId() {
        return special.eos();
    }

    @Override
    public final boolean addBos() {
        return special.addBos();
    }

    @Override
    public final boolean addEos() {
        return special.addEos();
    }

    @Override
    public final boolean isEndOfGeneration(int token) {
        return token >= 0 && special.eog().get(token);
    }

    @Override
    public final boolean isControl(int token) {
        return vocab.contains(token) && vocab.type(token) == TokenType.CONTROL;
    }

    @Override
    public final String decode(int[] tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int token : tokens) {
            bytes.writeBytes(pieceView(token));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void checkToken(int token) {
        if (!vocab.contains(token)) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocab.size());
        }
    }

    /**
     * llama_token_to_piece: control tokens print nothing (special = false); the unknown token prints its text, as
     * in the reference generations (llama.cpp's common_token_to_piece), so a stray {@code <unk>} stays visible.
     */
    private static byte[] pieceOf(TokenType type, String text, Function<String, byte[]> normalPiece) {
        return switch (type) {
            case NORMAL -> normalPiece.apply(text);
            case USER_DEFINED, UNKNOWN -> text.getBytes(StandardCharsets.UTF_8);
            case BYTE -> byteOf(text);
            case CONTROL, UNUSED, UNDEFINED -> EMPTY;
        };
    }

    /** A byte token {@code <0xNN>} stands for the byte NN. */
    private static byte[] byteOf(String text) {
        if (text.length() < 5) {
            return EMPTY;
        }
        try {
            return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
        } catch (NumberFormatException e) {
            return EMPTY;
        }
    }
}
