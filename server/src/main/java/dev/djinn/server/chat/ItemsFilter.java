package dev.djinn.server.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

import java.util.List;
import java.util.Map;

/** Jinja's {@code items} filter, {@code d|items} like {@code d.items()} (Llama 3.1 uses it for built-in tool calls). */
final class ItemsFilter implements Filter {
    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return value instanceof Map<?, ?> m ? m.entrySet() : List.of();
    }
}
