package dev.rnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The JSON object of a request body, with typed getters that answer a wrong type, a missing field or
 * a value out of range with a 400 naming the field, what was expected and what was found.
 */
final class JsonRequest {

    private final JsonNode body;
    private final RnnServer.Limits limits;
    private final String path;   // "" for the body, "outer." for an object in field outer: how errors name fields

    JsonRequest(JsonNode body, RnnServer.Limits limits) {
        this(body, limits, "");
    }

    private JsonRequest(JsonNode body, RnnServer.Limits limits, String path) {
        this.body = body;
        this.limits = limits;
        this.path = path;
    }

    /** An object field, read with the same getters (errors name its fields as name.field), or null when absent. */
    JsonRequest object(String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw ApiException.badRequest("field '" + path + name + "' must be an object, found " + kind(n));
        }
        return new JsonRequest(n, limits, path + name + ".");
    }

    /** Refuses fields other than {@code names}: a misspelt optional field would otherwise pass unnoticed. */
    JsonRequest allow(String... names) {
        List<String> allowed = Arrays.asList(names);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiException.badRequest("unknown field '" + path + f + "'; " + (path.isEmpty() ? "this request takes " : "it takes ")
                        + String.join(", ", names));
            }
        }
        return this;
    }

    boolean has(String name) {
        JsonNode n = body.get(name);
        return n != null && !n.isNull();
    }

    /** A string field of at most the text limit in code points; {@code required} or else null when absent. */
    String text(String name, boolean required) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            if (required) {
                throw ApiException.badRequest("field '" + name + "' is missing (a string)");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("field '" + name + "' must be a string, found " + kind(n));
        }
        String s = n.textValue();
        checkLength(name, s.codePointCount(0, s.length()));
        checkUnicode("'" + name + "'", s);
        return s;
    }

    /** A non-empty string field. */
    String nonEmptyText(String name) {
        String s = text(name, true);
        if (s.isEmpty()) {
            throw ApiException.badRequest("field '" + name + "' is empty");
        }
        return s;
    }

    /** An array of non-empty strings, at most the text limit in code points altogether. */
    List<String> strings(String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            throw ApiException.badRequest("field '" + name + "' is missing (an array of strings)");
        }
        if (!n.isArray()) {
            throw ApiException.badRequest("field '" + name + "' must be an array of strings, found " + kind(n));
        }
        if (n.isEmpty()) {
            throw ApiException.badRequest("field '" + name + "' is an empty array");
        }
        List<String> out = new ArrayList<>(n.size());
        long total = 0;
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                throw ApiException.badRequest("field '" + name + "'[" + i + "] must be a string, found " + kind(e));
            }
            String s = e.textValue();
            if (s.isBlank()) {
                throw ApiException.badRequest("field '" + name + "'[" + i + "] is blank");
            }
            total += s.codePointCount(0, s.length());
            checkLength(name, total);
            checkUnicode("'" + name + "'[" + i + "]", s);
            out.add(s);
        }
        return out;
    }

    /** An integer field in [min, max], or {@code otherwise} when absent. */
    int integer(String name, int otherwise, int min, int max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ApiException.badRequest("field '" + path + name + "' must be an integer in [" + min + ", " + max + "], found "
                    + (n.isNumber() ? n.asText() : kind(n)));
        }
        int v = n.intValue();
        if (v < min || v > max) {
            throw ApiException.badRequest("field '" + path + name + "' must be in [" + min + ", " + max + "], found " + v);
        }
        return v;
    }

    /** A boolean field, or {@code otherwise} when absent. */
    boolean bool(String name, boolean otherwise) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw ApiException.badRequest("field '" + name + "' must be true or false, found " + kind(n));
        }
        return n.booleanValue();
    }

    /** A number field in [min, max], or {@code otherwise} when absent. */
    double number(String name, double otherwise, double min, double max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isNumber()) {
            throw ApiException.badRequest("field '" + name + "' must be a number in [" + min + ", " + max + "], found " + kind(n));
        }
        double v = n.doubleValue();
        if (!(v >= min && v <= max)) {
            throw ApiException.badRequest("field '" + name + "' must be in [" + min + ", " + max + "], found " + n.asText());
        }
        return v;
    }

    /** A 64-bit integer field (a seed), or {@code otherwise} when absent. */
    long longInteger(String name, long otherwise) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw ApiException.badRequest("field '" + name + "' must be an integer in [" + Long.MIN_VALUE + ", " + Long.MAX_VALUE
                    + "], found " + (n.isNumber() ? n.asText() : kind(n)));
        }
        return n.longValue();
    }

    private void checkLength(String name, long codePoints) {
        if (codePoints > limits.maxTextLength()) {
            throw ApiException.tooLarge("field '" + name + "' has " + codePoints + " characters, more than the limit of "
                    + limits.maxTextLength());
        }
    }

    /** JSON escapes can spell half a surrogate pair, which is no character: refused rather than passed to a model. */
    private static void checkUnicode(String field, String s) {
        int position = 0;
        for (int i = 0; i < s.length(); position++) {
            int cp = s.codePointAt(i);
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {   // codePointAt returns a surrogate only when unpaired
                throw ApiException.badRequest(String.format("field %s has a lone surrogate U+%04X at position %d, not a character",
                        field, cp, position));
            }
            i += Character.charCount(cp);
        }
    }

    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
