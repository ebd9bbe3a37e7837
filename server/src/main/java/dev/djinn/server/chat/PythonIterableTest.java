package dev.djinn.server.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;

import java.util.Map;

/**
 * Jinja's {@code is iterable}, which is true for strings too (Python iterates them). Llama 3.1's template relies on
 * it: a tool result passes {@code content is mapping or content is iterable} and is written with {@code tojson}.
 */
final class PythonIterableTest implements ExpTest {
    @Override
    public String getName() {
        return "iterable";
    }

    @Override
    public boolean evaluate(Object value, JinjavaInterpreter interpreter, Object... args) {
        return value instanceof Iterable<?> || value instanceof Map<?, ?> || value instanceof CharSequence
                || (value != null && value.getClass().isArray());
    }
}
