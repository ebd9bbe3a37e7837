package dev.djinn.server.chat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;

import java.io.IOException;

/**
 * Lays JSON out as Python's {@code json.dumps} does, which is what Hugging Face's {@code tojson} calls: {@code ", "}
 * and {@code ": "} between items when not indented; with an indent, one item per line and {@code ","} at line ends.
 * Holds the nesting depth, so use one instance per value written.
 */
final class PythonJsonPrinter implements PrettyPrinter {
    private final int indent;
    private int depth;

    /** @param indent spaces per level, or a negative number for one line */
    PythonJsonPrinter(int indent) {
        this.indent = indent;
    }

    private void newline(JsonGenerator g) throws IOException {
        g.writeRaw('\n');
        g.writeRaw(" ".repeat(indent * depth));
    }

    private boolean indented() {
        return indent >= 0;
    }

    @Override
    public void writeRootValueSeparator(JsonGenerator g) {
    }

    @Override
    public void writeStartObject(JsonGenerator g) throws IOException {
        g.writeRaw('{');
        depth++;
    }

    @Override
    public void beforeObjectEntries(JsonGenerator g) throws IOException {
        if (indented()) {
            newline(g);
        }
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
        separator(g);
    }

    @Override
    public void writeEndObject(JsonGenerator g, int entries) throws IOException {
        depth--;
        if (indented() && entries > 0) {
            newline(g);
        }
        g.writeRaw('}');
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
        g.writeRaw('[');
        depth++;
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
        if (indented()) {
            newline(g);
        }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
        separator(g);
    }

    @Override
    public void writeEndArray(JsonGenerator g, int values) throws IOException {
        depth--;
        if (indented() && values > 0) {
            newline(g);
        }
        g.writeRaw(']');
    }

    private void separator(JsonGenerator g) throws IOException {
        if (indented()) {
            g.writeRaw(',');
            newline(g);
        } else {
            g.writeRaw(", ");
        }
    }
}
