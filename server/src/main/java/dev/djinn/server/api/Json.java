package dev.djinn.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The API's JSON mapping: snake_case names, unknown fields ignored, and no silent type coercion (a string where
 * a number belongs, or 1.5 where an integer belongs, is the client's mistake and answered with a 400).
 */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Json() {
    }

    /** Reads a request body, turning every way it can be wrong into a 400 that names the offending field. */
    public static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw ApiException.invalid(null, "The request body is empty; send a JSON object.");
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (JsonParseException e) {
            throw ApiException.invalid(null, "We could not parse the JSON body of your request: "
                    + e.getOriginalMessage() + ".");
        } catch (JsonMappingException e) {
            throw mappingError(e);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "We could not parse the JSON body of your request.");
        } catch (IOException e) {
            throw ApiException.invalid(null, "The request body could not be read.");
        }
    }

    private static ApiException mappingError(JsonMappingException e) {
        if (e.getCause() instanceof JsonParseException || String.valueOf(e.getOriginalMessage())
                .contains("end-of-input")) {
            return ApiException.invalid(null, "We could not parse the JSON body of your request: it ends early.");
        }
        String param = path(e.getPath());
        if (param.isEmpty()) {
            return ApiException.invalid(null, "The request body must be a JSON object.");
        }
        String expected = e instanceof MismatchedInputException m ? describe(m.getTargetType()) : null;
        String message = expected == null
                ? "Invalid value for '" + param + "'."
                : "Invalid type for '" + param + "': expected " + expected + ".";
        return ApiException.invalid(param, "invalid_type", message);
    }

    /** {@code messages[0].content} style, as the client wrote the names. */
    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return null;
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return null;
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response could not be written as JSON", e);
        }
    }
}
