package dev.djinn.server.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja's {@code for} with a loop filter, {@code {% for k, v in d.items() if k != "return" %}}, which Jinjava
 * does not have (Mistral's tool template uses it). As in Jinja, the filter runs first, so {@code loop.last} and
 * {@code loop.index} count only the items it keeps.
 */
final class FilteredForTag extends ForTag {

    @Override
    public String interpretUnchecked(TagNode node, JinjavaInterpreter interpreter) {
        var varsAndExpression = getLoopVarsAndExpression((TagToken) node.getMaster());
        String expression = varsAndExpression.getRight();
        int split = topLevelIf(expression);
        if (split < 0) {
            return super.interpretUnchecked(node, interpreter);
        }
        List<String> vars = varsAndExpression.getLeft();
        String condition = expression.substring(split + 4);
        Object sequence = interpreter.resolveELExpression(expression.substring(0, split), node.getLineNumber());
        List<Object> kept = new ArrayList<>();
        try (var scope = interpreter.enterScope()) {
            ForLoop loop = ObjectIterator.getLoop(sequence);
            while (loop.hasNext()) {
                Object item = loop.next();
                bind(interpreter, vars, item);
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, node.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return renderForCollection(node, interpreter, vars, kept);
    }

    private static void bind(JinjavaInterpreter interpreter, List<String> vars, Object item) {
        if (vars.size() == 1) {
            interpreter.getContext().put(vars.getFirst(), item);
        } else if (item instanceof Map.Entry<?, ?> e && vars.size() == 2) {
            interpreter.getContext().put(vars.get(0), e.getKey());
            interpreter.getContext().put(vars.get(1), e.getValue());
        } else if (item instanceof List<?> list) {
            for (int i = 0; i < vars.size() && i < list.size(); i++) {
                interpreter.getContext().put(vars.get(i), list.get(i));
            }
        }
    }

    /** Where " if " starts outside quotes and brackets, or -1: in a for tag that is always the loop filter. */
    static int topLevelIf(String s) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && s.startsWith(" if ", i)) {
                return i;
            }
        }
        return -1;
    }
}
