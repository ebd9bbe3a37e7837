/**
 * Tokenizers that reproduce llama.cpp (b4748) token for token.
 *
 * <p>{@link dev.djinn.core.tokenizer.Tokenizer#fromMetadata} reads the {@code tokenizer.ggml.*} keys of a GGUF file
 * and returns a SentencePiece tokenizer ({@code llama}) or a byte-level BPE tokenizer ({@code gpt2}, with the
 * pre-tokenizer named by {@code tokenizer.ggml.pre}). Both first cut the text at special-token strings (longest
 * first), then tokenize the plain-text pieces. {@link dev.djinn.core.tokenizer.StreamingDecoder} turns generated
 * tokens back into text without splitting characters.
 */
package dev.djinn.core.tokenizer;
