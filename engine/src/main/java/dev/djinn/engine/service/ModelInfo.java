package dev.djinn.engine.service;

/**
 * What clients may know about the served model.
 *
 * @param id            the model's name in the API (the file name without .gguf unless configured)
 * @param architecture  e.g. "llama"
 * @param contextLength tokens per sequence (prompt plus generation)
 * @param vocabSize     tokens in the vocabulary
 * @param chatTemplate  the GGUF's {@code tokenizer.chat_template}, or null when it has none
 * @param bosText       text of the BOS token ("" when none), for templates
 * @param eosText       text of the EOS token ("" when none), for templates
 */
public record ModelInfo(String id, String architecture, int contextLength, int vocabSize, String chatTemplate,
                        String bosText, String eosText) {
}
