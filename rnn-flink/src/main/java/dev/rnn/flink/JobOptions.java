package dev.rnn.flink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --name value} options of a job's command line, checked against the names the job knows:
 * an unknown or repeated name, a name without a value, or a missing required one is a {@link UsageException}
 * naming it. Immutable once parsed.
 */
public final class JobOptions {

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private JobOptions(String command) {
        this.command = command;
    }

    /** The options of {@code command} in {@code args}, each one of {@code known} (names with their dashes). */
    public static JobOptions parse(String command, String[] args, List<String> known) {
        JobOptions o = new JobOptions(command);
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!known.contains(name)) {
                throw new UsageException(command + ": unknown option '" + name + "' (options: " + String.join(", ", known) + ")");
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new UsageException(command + ": option " + name + " needs a value");
            }
            if (o.values.put(name, args[i + 1]) != null) {
                throw new UsageException(command + ": option " + name + " is given twice");
            }
        }
        return o;
    }

    /** The value of a required option. */
    public String required(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(command + ": option " + name + " is required");
        }
        return v;
    }

    /** The value of an option, or {@code otherwise} when it is not given. */
    public String optional(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    /** The value of an integer option of at least {@code min}, or {@code otherwise} when it is not given. */
    public int integer(String name, int min, int otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(command + ": option " + name + " must be an integer ≥ " + min + ", found '" + v + "'");
    }
}
