package dev.djinn.engine.generate;

import dev.djinn.core.DjinnException;

import java.util.List;

/**
 * Watches streamed text for stop strings. Each {@link #push} returns the text that is safe to show now and
 * holds back any tail that could still grow into a stop string, so a stop string split over several tokens
 * is never shown. When a stop string completes, the text before it is released and the stop string itself,
 * and anything after it, is dropped.
 *
 * <p>Works on decoded text: bytes of a character split across tokens must be joined before they arrive
 * here. A UTF-16 surrogate pair split across fragments is held back until whole, so the released text is
 * always well-formed.
 */
public final class StopMatcher {
    /** What a {@link #push} released. */
    public sealed interface Result permits Continue, Stop {
        /** The text safe to show now; may be empty. */
        String text();
    }

    /** No stop string yet: show {@code text} and keep generating. */
    public record Continue(String text) implements Result {
    }

    /** {@code stop} completed: show {@code text}, the last text of this generation, and stop generating. */
    public record Stop(String text, String stop) implements Result {
    }

    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean finished;

    /** Stop strings must not be empty; none at all is allowed and releases all text at once. */
    public StopMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
        for (String stop : this.stops) {
            if (stop.isEmpty()) {
                throw new DjinnException("Stop strings must not be empty.");
            }
        }
    }

    public Result push(String fragment) {
        if (finished) {
            throw new IllegalStateException("the generation already ended");
        }
        held.append(fragment);
        int stopAt = -1;
        String found = null;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            // The earliest stop wins; among stops starting at the same place, the longest.
            if (at >= 0 && (found == null || at < stopAt || (at == stopAt && stop.length() > found.length()))) {
                stopAt = at;
                found = stop;
            }
        }
        if (found != null) {
            finished = true;
            String text = held.substring(0, stopAt);
            held.setLength(0);
            return new Stop(text, found);
        }
        int release = held.length() - longestStopPrefixAtEnd();
        if (release > 0 && Character.isHighSurrogate(held.charAt(release - 1))) {
            release--;
        }
        String text = held.substring(0, release);
        held.delete(0, release);
        return new Continue(text);
    }

    /** Ends the generation for another reason (end of text, token limit) and releases what was held back. */
    public String flush() {
        finished = true;
        String text = held.toString();
        held.setLength(0);
        return text;
    }

    /** The length of the longest tail of the held text that is a proper beginning of some stop string. */
    private int longestStopPrefixAtEnd() {
        int longest = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, held.length()); length > longest; length--) {
                if (heldEndsWith(stop, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }

    private boolean heldEndsWith(String stop, int length) {
        int offset = held.length() - length;
        for (int i = 0; i < length; i++) {
            if (held.charAt(offset + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
