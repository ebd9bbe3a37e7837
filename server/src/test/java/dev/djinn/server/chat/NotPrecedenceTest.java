package dev.djinn.server.chat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NotPrecedenceTest {
    @Test
    void unaryNotTakesTheWholeComparison() {
        assertThat(NotPrecedence.rewrite("{%- if not m.calls|length == 1 %}x{% endif %}"))
                .isEqualTo("{%- if not (m.calls|length == 1) %}x{% endif %}");
        assertThat(NotPrecedence.rewrite("{%- if not id is defined or id|length != 9 -%}"))
                .isEqualTo("{%- if not (id is defined) or id|length != 9 -%}");
    }

    @Test
    void stopsAtBracketsCommasAndConditionals() {
        assertThat(NotPrecedence.expression("f(not a, b) and (not c == d)"))
                .isEqualTo("f(not (a), b) and (not (c == d))");
        assertThat(NotPrecedence.expression(" 'x' if not a else 'y' ")).isEqualTo(" 'x' if not (a) else 'y' ");
        assertThat(NotPrecedence.expression("not not a")).isEqualTo("not (not (a))");
    }

    @Test
    void binaryFormsAndTextStayAsTheyAre() {
        assertThat(NotPrecedence.expression("x is not none and y not in z")).isEqualTo("x is not none and y not in z");
        assertThat(NotPrecedence.rewrite("not a {{ 'not b' }} {# not c #}")).isEqualTo("not a {{ 'not b' }} {# not c #}");
        assertThat(NotPrecedence.rewrite("{{- \"}}\" }}{% if not x %}")).isEqualTo("{{- \"}}\" }}{% if not (x) %}");
    }
}
