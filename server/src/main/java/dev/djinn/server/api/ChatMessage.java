package dev.djinn.server.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One message of a conversation. {@code content} is a string, an array of {@code {"type": "text", "text": ...}}
 * parts, or null (an assistant message that only calls tools).
 */
public record ChatMessage(String role, JsonNode content, String name, List<JsonNode> toolCalls, String toolCallId) {
}
