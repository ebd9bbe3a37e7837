package dev.djinn.engine.generate;

import dev.djinn.engine.sampling.TokenLogprobs;

/**
 * One generated token as it is streamed.
 *
 * @param token    the token id, or -1 for a final event that only releases held-back text
 * @param text     text that became final with this token ("" while an incomplete character or a possible
 *                 stop string is held back)
 * @param logprobs the token's log-probability and the top alternatives, when the request asked for them
 */
public record TokenEvent(int token, String text, TokenLogprobs logprobs) {
}
