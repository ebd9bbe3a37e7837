package dev.djinn.server.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template (Jinja, as in its Hugging Face {@code tokenizer_config.json}) rendered with Jinjava the
 * way {@code transformers} renders it: {@code trim_blocks} and {@code lstrip_blocks}, loop controls, Python's
 * operator precedence and string methods, {@code tojson} as {@code json.dumps}, {@code items}, Python's
 * {@code is iterable}, loop filters ({@code for x in xs if ...}), {@code raise_exception} and
 * {@code strftime_now}. Thread-safe.
 */
public final class ChatTemplate {
    /** For models whose file has no template (ChatML, as llama.cpp falls back to). */
    public static final String CHATML = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private final Jinjava jinjava;
    private final String source;
    private final String bosToken;
    private final String eosToken;

    public ChatTemplate(String source, String bosToken, String eosToken, Clock clock) {
        this.source = NotPrecedence.rewrite(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = engine(clock);
    }

    private static Jinjava engine(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // message text must never be interpreted as template code
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .build();
        Jinjava jinjava = new Jinjava(config);
        var globals = jinjava.getGlobalContext();
        globals.registerFilter(new PythonJsonFilter());
        globals.registerFilter(new ItemsFilter());
        globals.registerExpTest(new PythonIterableTest());
        globals.registerTag(new FilteredForTag());
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", String.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        return jinjava;
    }

    public String bosToken() {
        return bosToken;
    }

    /**
     * Renders a conversation.
     *
     * @param messages            maps with at least {@code role} and {@code content}, as HF templates expect
     * @param tools               OpenAI-style tool definitions, or null
     * @param addGenerationPrompt whether to end with the header of the assistant's reply
     * @throws ChatTemplateException when the template refuses the conversation or fails
     */
    public String render(List<Map<String, Object>> messages, List<Object> tools, boolean addGenerationPrompt) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", messages);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (tools != null && !tools.isEmpty()) {
            vars.put("tools", tools);
        }
        RenderResult result = jinjava.renderForResult(source, vars);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(e);
            }
        }
        return result.getOutput();
    }

    private static ChatTemplateException failure(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateFunctions.TemplateRefusal r) {
                return new ChatTemplateException(r.getMessage(), true);
            }
        }
        String where = e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : "";
        return new ChatTemplateException("The model's chat template failed" + where + ": " + e.getMessage(), false);
    }
}
