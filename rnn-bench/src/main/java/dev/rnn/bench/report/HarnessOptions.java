package dev.rnn.bench.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of a load harness: "--name value" pairs and bare flags, each name checked against
 * the ones the harness knows, so that a misspelt option stops the run instead of being ignored
 * ({@link Harness#optionsOrExit} turns the refusal into a usage message). A name given twice keeps its
 * last value. Not thread-safe: read it where the harness parses its options.
 */
public final class HarnessOptions {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private HarnessOptions() {
    }

    /**
     * Reads {@code args}: a name in {@code valued} takes the argument after it, a name in {@code flagNames}
     * none. Anything else is refused with the list of known names.
     */
    public static HarnessOptions parse(String[] args, List<String> valued, List<String> flagNames) {
        HarnessOptions o = new HarnessOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flagNames.contains(a)) {
                o.flags.add(a);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            if (!valued.contains(a)) {
                List<String> known = new ArrayList<>(valued);
                known.addAll(flagNames);
                throw new IllegalArgumentException("unknown option " + a + " (" + String.join(", ", known) + ")");
            }
            o.values.put(a, args[++i]);
        }
        return o;
    }

    /** The value of {@code name}, or {@code otherwise} when it was not given. */
    public String string(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    public int integer(String name, int otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : Integer.parseInt(v);
    }

    public double number(String name, double otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : Double.parseDouble(v);
    }

    /** A comma-separated list; an empty value is an empty list. */
    public List<String> list(String name, List<String> otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : v.isEmpty() ? List.of() : List.of(v.split(","));
    }

    /** A comma-separated list of integers; an empty value is an empty array. */
    public int[] integers(String name, int[] otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : v.isEmpty() ? new int[0] : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** A comma-separated list of numbers; an empty value is an empty array. */
    public double[] numbers(String name, double[] otherwise) {
        String v = values.get(name);
        return v == null ? otherwise : v.isEmpty() ? new double[0] : Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    /** A path, or null when it was not given. */
    public Path path(String name) {
        String v = values.get(name);
        return v == null ? null : Path.of(v);
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }
}
