package dev.djinn.server.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.djinn.server.api.ChatMessage;
import dev.djinn.server.api.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Renders the published chat templates of real models (kept in test resources as their tokenizer_config.json
 * holds them) and compares with the prompts Hugging Face's transformers renders for the same conversations.
 */
class ChatTemplateTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-05T10:00:00Z"), ZoneOffset.UTC);

    private static final String WEATHER_TOOL = """
            {"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}""";

    private static final String TOOL_CONVERSATION = """
            [{"role": "system", "content": "You are a bot."},
             {"role": "user", "content": "What is the weather in Paris?"},
             {"role": "assistant", "content": null, "tool_calls": [{"id": "call12345", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
             {"role": "tool", "tool_call_id": "call12345", "content": "22 degrees"}]""";

    static ChatTemplate template(String name, String bos, String eos) {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/templates/" + name)) {
            return new ChatTemplate(new String(in.readAllBytes(), StandardCharsets.UTF_8), bos, eos, CLOCK);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Map<String, Object>> messages(String json) {
        try {
            return ChatPrompt.templateMessages(Json.MAPPER.readValue(json, new TypeReference<List<ChatMessage>>() {
            }));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Object> tools(String... json) {
        try {
            return List.of(Json.MAPPER.readValue("[" + String.join(",", json) + "]", Object[].class));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // Llama 3.1 Instruct

    private static ChatTemplate llama31() {
        return template("llama-3.1-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
    }

    @Test
    void llama31SystemAndUser() {
        String prompt = llama31().render(messages("""
                [{"role": "system", "content": "You are a helpful assistant. "},
                 {"role": "user", "content": " Hello! "}]"""), null, true);
        assertThat(prompt).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama31WithoutSystemMessageKeepsTheDatePreamble() {
        String prompt = llama31().render(messages("""
                [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."},
                 {"role": "user", "content": "Bye"}]"""), null, false);
        assertThat(prompt).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>");
    }

    @Test
    void llama31ToolsGoIntoTheFirstUserMessageAsIndentedJson() {
        String indented = """
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Get the weather",
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "city": {
                                    "type": "string"
                                }
                            },
                            "required": [
                                "city"
                            ]
                        }
                    }
                }""";
        String prompt = llama31().render(messages(TOOL_CONVERSATION), tools(WEATHER_TOOL), true);
        assertThat(prompt).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You are a bot.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\n"
                + "Given the following functions, please respond with a JSON for a function call with its proper "
                + "arguments that best answers the given prompt.\n\n"
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and "
                + "its value}.Do not use variables.\n\n"
                + indented + "\n\n"
                + "What is the weather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n"
                + "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"
                // a string is iterable in Jinja, so the template writes the tool result with tojson
                + "<|start_header_id|>ipython<|end_header_id|>\n\n\"22 degrees\"<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama31RefusesTwoToolCallsInOneMessage() {
        String twoCalls = """
                [{"role": "user", "content": "Weather?"},
                 {"role": "assistant", "content": null, "tool_calls": [
                   {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                   {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{}"}}]}]""";
        assertThatThrownBy(() -> llama31().render(messages(twoCalls), null, true))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.refused()).isTrue())
                .hasMessage("This model only supports single tool-calls at once!");
    }

    // Qwen2.5 Instruct

    private static ChatTemplate qwen25() {
        return template("qwen2.5-instruct.jinja", "", "<|im_end|>");
    }

    @Test
    void qwen25AddsItsDefaultSystemMessage() {
        String prompt = qwen25().render(messages("[{\"role\": \"user\", \"content\": \"Hello\"}]"), null, true);
        assertThat(prompt).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
                + "assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen25MultiTurnWithSystemMessage() {
        String prompt = qwen25().render(messages("""
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                 {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "2+2?"}]"""), null, true);
        assertThat(prompt).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    @Test
    void qwen25ToolsCallsAndResults() {
        String prompt = qwen25().render(messages(TOOL_CONVERSATION), tools(WEATHER_TOOL), true);
        assertThat(prompt).isEqualTo("<|im_start|>system\nYou are a bot.\n\n# Tools\n\n"
                + "You may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the "
                + "weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": "
                + "\"string\"}}, \"required\": [\"city\"]}}}\n</tools>\n\n"
                + "For each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
                + "<args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
                + "\"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n22 degrees\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n");
    }

    // Mistral 7B Instruct v0.3

    private static ChatTemplate mistral() {
        return template("mistral-7b-instruct-v0.3.jinja", "<s>", "</s>");
    }

    @Test
    void mistralPutsTheSystemMessageIntoTheLastUserTurn() {
        String prompt = mistral().render(messages("""
                [{"role": "system", "content": "You are a bot."}, {"role": "user", "content": "Hi"},
                 {"role": "assistant", "content": " Hello there! "}, {"role": "user", "content": "How are you?"}]"""),
                null, true);
        assertThat(prompt).isEqualTo("<s>[INST] Hi[/INST] Hello there!</s>[INST] You are a bot.\n\nHow are you?[/INST]");
    }

    @Test
    void mistralRefusesRolesThatDoNotAlternate() {
        assertThatThrownBy(() -> mistral().render(messages("""
                [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]"""), null, true))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.refused()).isTrue())
                .hasMessage("After the optional system message, conversation roles must alternate "
                        + "user/assistant/user/assistant/...");
    }

    @Test
    void mistralToolsSkipTheReturnKeyThroughALoopFilter() {
        String tool = """
                {"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                 "return": {"type": "string"}}}""";
        String prompt = mistral().render(messages("[{\"role\": \"user\", \"content\": \"Weather in Paris?\"}]"),
                tools(tool), true);
        assertThat(prompt).isEqualTo("<s>[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": "
                + "\"get_weather\", \"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\", "
                + "\"properties\": {\"city\": {\"type\": \"string\"}}}}}][/AVAILABLE_TOOLS][INST] Weather in "
                + "Paris?[/INST]");
    }

    // ChatML (OpenHermes 2.5) and the built-in fallback

    @Test
    void chatMlModelAndTheBuiltInFallbackAgree() {
        var conversation = messages("""
                [{"role": "system", "content": "You are Hermes."}, {"role": "user", "content": "Hi"}]""");
        String expected = "<|im_start|>system\nYou are Hermes.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertThat(template("chatml-openhermes-2.5.jinja", "<s>", "<|im_end|>").render(conversation, null, true))
                .isEqualTo(expected);
        assertThat(new ChatTemplate(ChatTemplate.CHATML, "<s>", "</s>", CLOCK).render(conversation, null, true))
                .isEqualTo(expected);
    }

    // Python-isms that other templates use

    private static String render(String source, String json) {
        return new ChatTemplate(source, "<s>", "</s>", CLOCK).render(messages(json), null, true);
    }

    @Test
    void pythonStringMethods() {
        String src = "{%- set c = messages[0].content %}"
                + "{{ c.strip() }}|{{ c.lstrip() }}|{{ c.rstrip('\\n ') }}|{{ c.strip().upper() }}|"
                + "{{ c.strip().lower() }}|{{ c.strip().title() }}|{{ c.split() | length }}|"
                + "{{ c.strip().split('</think>')[-1].lstrip('\\n') }}|{{ c.replace('a', 'A', 1) }}|"
                + "{{ '-'.join(['x', 'y']) }}|"
                + "{% if c.strip().startswith('<think>') and c.endswith('  ') %}yes{% endif %}";
        assertThat(render(src, "[{\"role\": \"user\", \"content\": \"  <think>a b</think>\\nan answer  \"}]"))
                .isEqualTo("<think>a b</think>\nan answer|<think>a b</think>\nan answer  |  <think>a b</think>\n"
                        + "an answer|<THINK>A B</THINK>\nAN ANSWER|<think>a b</think>\nan answer|"
                        + "<Think>A B</Think>\nAn Answer|4|an answer|  <think>A b</think>\nan answer  |x-y|yes");
    }

    @Test
    void strftimeNowReadsTheServersClock() {
        assertThat(render("{{ strftime_now('%d %b %Y') }}", "[{\"role\": \"user\", \"content\": \"x\"}]"))
                .isEqualTo("05 Mar 2025");
    }

    @Test
    void loopControlsAndNamespaces() {
        String src = "{%- set ns = namespace(n=0) %}{%- for m in messages %}{% if m.role == 'system' %}"
                + "{% continue %}{% endif %}{% if loop.index > 3 %}{% break %}{% endif %}"
                + "{%- set ns.n = ns.n + 1 %}{%- endfor %}{{ ns.n }}";
        assertThat(render(src, """
                [{"role": "system", "content": "s"}, {"role": "user", "content": "1"},
                 {"role": "assistant", "content": "2"}, {"role": "user", "content": "3"},
                 {"role": "assistant", "content": "4"}]""")).isEqualTo("2");
    }

    @Test
    void messageTextIsNeverInterpretedAsTemplateCode() {
        assertThat(render("{{ messages[0].content }}", "[{\"role\": \"user\", \"content\": \"{{ 7 * 7 }}\"}]"))
                .isEqualTo("{{ 7 * 7 }}");
    }

    @Test
    void aBrokenTemplateIsReportedAsTheModelsFault() {
        assertThatThrownBy(() -> render("{{ messages[0].content.nosuchmethod() }}",
                "[{\"role\": \"user\", \"content\": \"x\"}]"))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.refused()).isFalse())
                .hasMessageStartingWith("The model's chat template failed");
    }

    @Test
    void textPartsBecomeOneStringOfPlainJava() {
        // templates receive plain Java values, never Jackson nodes
        assertThat(messages("[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"a\"},"
                + " {\"type\": \"text\", \"text\": \"b\"}]}]").getFirst().get("content"))
                .isNotInstanceOf(JsonNode.class).isEqualTo("a\nb");
    }
}
