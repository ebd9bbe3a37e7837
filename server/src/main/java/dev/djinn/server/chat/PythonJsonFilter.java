package dev.djinn.server.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face defines it for chat templates: {@code json.dumps} with
 * {@code ensure_ascii=False} and an optional {@code indent}, replacing Jinjava's compact one.
 */
final class PythonJsonFilter implements Filter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return dump(value, args.length > 0 ? Integer.parseInt(args[0].strip()) : -1);
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        return dump(value, indent == null ? -1 : ((Number) indent).intValue());
    }

    static String dump(Object value, int indent) {
        try {
            return MAPPER.writer(new PythonJsonPrinter(indent)).writeValueAsString(plain(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tojson cannot serialise this value: " + e.getOriginalMessage(), e);
        }
    }

    /** Jinjava wraps values (PyMap, PyList, SafeString); JSON needs only maps, lists and scalars. */
    private static Object plain(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEach(x -> out.add(plain(x)));
            return out;
        }
        if (v instanceof CharSequence || v instanceof com.hubspot.jinjava.objects.SafeString) {
            return v.toString();
        }
        return v;
    }
}
