package dev.rnn.models.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tokens numbered 0..size−1 in a fixed order, with how often each was seen when the vocabulary was
 * built. Saved in model metadata as a JSON array of strings, so a model file carries its own
 * vocabulary. Immutable.
 */
public final class Vocabulary {

    private final List<String> tokens;
    private final int[] counts;
    private final Map<String, Integer> ids = new HashMap<>();

    private Vocabulary(List<String> tokens, int[] counts) {
        this.tokens = List.copyOf(tokens);
        this.counts = counts;
        for (int i = 0; i < tokens.size(); i++) {
            if (ids.put(tokens.get(i), i) != null) {
                throw new IllegalArgumentException("token '" + tokens.get(i) + "' appears twice in the vocabulary");
            }
        }
    }

    /** The given tokens in this order (counts 0). */
    public static Vocabulary of(List<String> tokens) {
        return new Vocabulary(tokens, new int[tokens.size()]);
    }

    /**
     * {@code specials} first, then every token of {@code tokens} seen at least {@code minCount} times,
     * in sorted order (so the same data always gives the same ids).
     */
    public static Vocabulary build(Collection<String> specials, Iterable<String> tokens, int minCount) {
        TreeMap<String, Integer> seen = new TreeMap<>();
        for (String t : tokens) {
            seen.merge(t, 1, Integer::sum);
        }
        List<String> list = new ArrayList<>(specials);
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < specials.size(); i++) {
            counts.add(0);
        }
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            if (e.getValue() >= minCount && !specials.contains(e.getKey())) {
                list.add(e.getKey());
                counts.add(e.getValue());
            }
        }
        int[] c = new int[counts.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return new Vocabulary(list, c);
    }

    /** This vocabulary followed by those of {@code extra} it lacks, in their order, counted 0 (ids of existing tokens are kept). */
    public Vocabulary extendedWith(Iterable<String> extra) {
        List<String> list = new ArrayList<>(tokens);
        java.util.Set<String> seen = new java.util.HashSet<>(tokens);
        for (String t : extra) {
            if (seen.add(t)) {
                list.add(t);
            }
        }
        return new Vocabulary(list, java.util.Arrays.copyOf(counts, list.size()));
    }

    /** The distinct characters (code points) of {@code text}, sorted. */
    public static Vocabulary ofCharacters(String text) {
        List<String> chars = new ArrayList<>();
        text.codePoints().distinct().sorted().forEach(cp -> chars.add(Character.toString(cp)));
        return of(chars);
    }

    public int size() {
        return tokens.size();
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (tokens.size() - 1));
        }
        return tokens.get(id);
    }

    /** The id of {@code token}, or −1 when it is not in the vocabulary. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** The id of {@code token}, or {@code unknown} when it is not in the vocabulary. */
    public int id(String token, int unknown) {
        Integer id = ids.get(token);
        return id == null ? unknown : id;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /** How often token {@code id} was seen when the vocabulary was built (0 for specials and loaded vocabularies). */
    public int count(int id) {
        return counts[id];
    }

    public List<String> tokens() {
        return tokens;
    }

    /** The tokens as a JSON array of strings. */
    public String toJson() {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartArray();
            for (String t : tokens) {
                g.writeString(t);
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The vocabulary of {@link #toJson()}; malformed JSON or repeated tokens are an IllegalArgumentException. */
    public static Vocabulary fromJson(String json) {
        if (json == null) {
            throw new IllegalArgumentException("the vocabulary is missing");
        }
        List<String> tokens = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("a vocabulary must be a JSON array of strings");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
                tokens.add(p.getText());
            }
            if (t != JsonToken.END_ARRAY || p.nextToken() != null) {
                throw new IllegalArgumentException("a vocabulary must be a JSON array of strings");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("a vocabulary must be a JSON array of strings (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("the vocabulary is empty");
        }
        return of(tokens);
    }
}
