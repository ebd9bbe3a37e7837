package dev.djinn.server.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.server.api.ApiException;
import dev.djinn.server.api.ChatMessage;
import dev.djinn.server.api.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a request's messages into prompt tokens: validates them, renders the chat template and tokenizes the
 * result with special tokens parsed. BOS is added only when the template did not already write it, so a prompt
 * never starts with two (llama.cpp's server does the same).
 */
public final class ChatPrompt {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    public ChatPrompt(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    public record Prompt(String text, int[] tokens) {
    }

    public Prompt build(List<ChatMessage> messages, List<JsonNode> tools) {
        String text = template.render(templateMessages(messages), templateTools(tools), true);
        String bos = template.bosToken();
        boolean hasBos = bos != null && !bos.isEmpty() && text.startsWith(bos);
        return new Prompt(text, tokenizer.encode(text, !hasBos, true));
    }

    /** The messages as Hugging Face templates see them: maps of plain values, content always a string. */
    static List<Map<String, Object>> templateMessages(List<ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array.");
        }
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            String at = "messages[" + i + "]";
            if (m == null) {
                throw ApiException.invalid(at, "Each message must be an object with a 'role'.");
            }
            if (m.role() == null || !ROLES.contains(m.role())) {
                throw ApiException.invalid(at + ".role", "Invalid role " + (m.role() == null ? "(none)" : "'"
                        + m.role() + "'") + ": use system, developer, user, assistant or tool.");
            }
            Map<String, Object> msg = new LinkedHashMap<>();
            // OpenAI's newer name for the system role; templates know only "system"
            msg.put("role", m.role().equals("developer") ? "system" : m.role());
            msg.put("content", content(m, at));
            if (m.name() != null) {
                msg.put("name", m.name());
            }
            if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                msg.put("tool_calls", toolCalls(m.toolCalls()));
            }
            if (m.toolCallId() != null) {
                msg.put("tool_call_id", m.toolCallId());
            }
            out.add(msg);
        }
        return out;
    }

    private static String content(ChatMessage m, String at) {
        JsonNode c = m.content();
        if (c == null || c.isNull()) {
            if (m.role().equals("assistant") && m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                return "";
            }
            throw ApiException.invalid(at + ".content", "A " + m.role() + " message needs 'content'.");
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw ApiException.invalid(at + ".content", "invalid_type",
                    "'content' must be a string or an array of text parts.");
        }
        List<String> parts = new ArrayList<>();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String partAt = at + ".content[" + j + "]";
            if (!part.isObject()) {
                throw ApiException.invalid(partAt, "invalid_type", "A content part must be an object.");
            }
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                throw ApiException.invalid(partAt + ".type", "Only text content parts are supported, not '"
                        + type + "'.");
            }
            JsonNode text = part.get("text");
            if (text == null || !text.isTextual()) {
                throw ApiException.invalid(partAt + ".text", "invalid_type", "A text part needs a string 'text'.");
            }
            parts.add(text.textValue());
        }
        return String.join("\n", parts);
    }

    /** OpenAI sends a call's arguments as a JSON string; templates expect the object (as llama.cpp passes it). */
    private static List<Object> toolCalls(List<JsonNode> calls) {
        List<Object> out = new ArrayList<>();
        for (JsonNode call : calls) {
            JsonNode copy = call.deepCopy();
            JsonNode args = copy.path("function").get("arguments");
            if (args != null && args.isTextual() && copy.get("function") instanceof ObjectNode fn) {
                try {
                    fn.set("arguments", Json.MAPPER.readTree(args.textValue()));
                } catch (JsonProcessingException e) {
                    // not JSON: the template gets the string as sent
                }
            }
            out.add(Json.MAPPER.convertValue(copy, Object.class));
        }
        return out;
    }

    private static List<Object> templateTools(List<JsonNode> tools) {
        if (tools == null) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        for (JsonNode t : tools) {
            out.add(Json.MAPPER.convertValue(t, Object.class));
        }
        return out;
    }
}
