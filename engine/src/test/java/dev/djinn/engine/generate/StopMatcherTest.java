package dev.djinn.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.djinn.core.DjinnException;
import dev.djinn.engine.generate.StopMatcher.Continue;
import dev.djinn.engine.generate.StopMatcher.Stop;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
    @Test
    void withoutStopsTextPassesStraightThrough() {
        StopMatcher matcher = new StopMatcher(List.of());
        assertThat(matcher.push("Hello")).isEqualTo(new Continue("Hello"));
        assertThat(matcher.push(", world")).isEqualTo(new Continue(", world"));
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void aStopSplitOverFragmentsIsHeldBackAndNeverShown() {
        StopMatcher matcher = new StopMatcher(List.of("</s>"));
        assertThat(matcher.push("Hello <")).isEqualTo(new Continue("Hello "));
        assertThat(matcher.push("/")).isEqualTo(new Continue(""));
        assertThat(matcher.push("s> trailing")).isEqualTo(new Stop("", "</s>"));
    }

    @Test
    void textBeforeTheStopInTheSameFragmentIsReleased() {
        StopMatcher matcher = new StopMatcher(List.of("STOP"));
        assertThat(matcher.push("abc STOP def")).isEqualTo(new Stop("abc ", "STOP"));
    }

    @Test
    void aFalseStartIsReleasedOnceItCannotBecomeTheStop() {
        StopMatcher matcher = new StopMatcher(List.of("STOP"));
        assertThat(matcher.push("ST")).isEqualTo(new Continue(""));
        assertThat(matcher.push("ART")).isEqualTo(new Continue("START"));
        assertThat(matcher.push(" S")).isEqualTo(new Continue(" "));
        assertThat(matcher.push("TO")).isEqualTo(new Continue(""));
        assertThat(matcher.push("P")).isEqualTo(new Stop("", "STOP"));
    }

    @Test
    void aFalseStartCanOverlapTheRealStop() {
        StopMatcher matcher = new StopMatcher(List.of("aab"));
        assertThat(matcher.push("xaa")).isEqualTo(new Continue("x"));
        assertThat(matcher.push("a")).isEqualTo(new Continue("a"));
        assertThat(matcher.push("b!")).isEqualTo(new Stop("", "aab"));
    }

    @Test
    void aStopAtTheVeryStartLeavesNothing() {
        StopMatcher matcher = new StopMatcher(List.of("STOP"));
        assertThat(matcher.push("STOP and more")).isEqualTo(new Stop("", "STOP"));
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void withSeveralStopsTheOneThatCompletesFirstInTheTextWins() {
        StopMatcher matcher = new StopMatcher(List.of("\n\n", "User:"));
        assertThat(matcher.push("Hi\nUs")).isEqualTo(new Continue("Hi\n"));
        assertThat(matcher.push("er: x")).isEqualTo(new Stop("", "User:"));

        assertThat(new StopMatcher(List.of("b", "abc")).push("xabc")).isEqualTo(new Stop("x", "abc"));
        assertThat(new StopMatcher(List.of("ab", "abc")).push("abcd")).isEqualTo(new Stop("", "abc"));
    }

    @Test
    void multiByteCharactersMatchAndSurrogatePairsAreNeverSplit() {
        StopMatcher cjk = new StopMatcher(List.of("。"));
        assertThat(cjk.push("你好")).isEqualTo(new Continue("你好"));
        assertThat(cjk.push("。再见")).isEqualTo(new Stop("", "。"));

        StopMatcher emoji = new StopMatcher(List.of("🛑"));
        assertThat(emoji.push("go \uD83D")).isEqualTo(new Continue("go "));
        assertThat(emoji.push("\uDED1 more")).isEqualTo(new Stop("", "🛑"));

        StopMatcher unrelated = new StopMatcher(List.of("🛑"));
        assertThat(unrelated.push("a\uD83D")).isEqualTo(new Continue("a"));
        assertThat(unrelated.push("\uDE00")).isEqualTo(new Continue("😀"));

        StopMatcher none = new StopMatcher(List.of());
        assertThat(none.push("a\uD83D")).isEqualTo(new Continue("a"));
        assertThat(none.push("\uDE00b")).isEqualTo(new Continue("😀b"));
    }

    @Test
    void flushReleasesWhatWasHeldBackWhenGenerationEndsOtherwise() {
        StopMatcher matcher = new StopMatcher(List.of("</s>"));
        assertThat(matcher.push("Hello </")).isEqualTo(new Continue("Hello "));
        assertThat(matcher.flush()).isEqualTo("</");
    }

    @Test
    void nothingMayBePushedAfterTheEnd() {
        StopMatcher stopped = new StopMatcher(List.of("x"));
        stopped.push("x");
        assertThatThrownBy(() -> stopped.push("more")).isInstanceOf(IllegalStateException.class);

        StopMatcher flushed = new StopMatcher(List.of("x"));
        flushed.flush();
        assertThatThrownBy(() -> flushed.push("more")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyStopStringsAreRejected() {
        assertThatThrownBy(() -> new StopMatcher(List.of("ok", "")))
                .isInstanceOf(DjinnException.class)
                .hasMessage("Stop strings must not be empty.");
    }

    /** Any way of cutting the text into fragments shows exactly the text before the first stop. */
    @Test
    void fragmentationNeverChangesWhatIsShown() {
        SplittableRandom random = new SplittableRandom(17);
        List<String> stops = List.of("abc", "bca", "cc", "ab\uD83D\uDE00");
        String alphabet = "abcd\uD83D\uDE00";
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(30);
            for (int i = 0; i < length; i++) {
                int pick = random.nextInt(5);
                text.append(pick < 4 ? alphabet.substring(pick, pick + 1) : alphabet.substring(4));
            }
            String full = text.toString();
            int first = Integer.MAX_VALUE;
            for (String stop : stops) {
                int at = full.indexOf(stop);
                if (at >= 0) {
                    first = Math.min(first, at);
                }
            }
            String expected = first == Integer.MAX_VALUE ? full : full.substring(0, first);

            StopMatcher matcher = new StopMatcher(stops);
            StringBuilder shown = new StringBuilder();
            boolean stopped = false;
            int at = 0;
            while (at < full.length() && !stopped) {
                int end = Math.min(full.length(), at + 1 + random.nextInt(4));
                StopMatcher.Result result = matcher.push(full.substring(at, end));
                shown.append(result.text());
                stopped = result instanceof Stop;
                assertThat(shown.toString()).as("shown so far of %s", full).isEqualTo(
                        expected.substring(0, Math.min(shown.length(), expected.length())));
                at = end;
            }
            if (!stopped) {
                shown.append(matcher.flush());
            }
            assertThat(stopped).as("stopped on %s", full).isEqualTo(first != Integer.MAX_VALUE);
            assertThat(shown.toString()).as("shown of %s", full).isEqualTo(expected);
        }
    }
}
