package dev.rnn.serve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A scrape in the Prometheus text format, parsed into samples by name and labels (comments skipped). */
final class Exposition {

    /** One sample line: its metric name, labels and value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, List<Sample>> byName = new HashMap<>();

    Exposition(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String inside = line.substring(brace + 1, line.lastIndexOf('}'));
                // label values here hold no '",' sequence, so a plain split is enough
                for (String pair : inside.split("\",")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int eq = pair.indexOf('=');
                    String value = pair.substring(eq + 2);
                    labels.put(pair.substring(0, eq), value.endsWith("\"") ? value.substring(0, value.length() - 1) : value);
                }
            } else {
                name = line.substring(0, space);
            }
            byName.computeIfAbsent(name, n -> new ArrayList<>()).add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
    }

    /** The value of the sample {@code name} whose labels include {@code labels} (name, value, name, value...), 0 when there is none. */
    double value(String name, String... labels) {
        double found = 0;
        int matches = 0;
        for (Sample s : byName.getOrDefault(name, List.of())) {
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= labels[i + 1].equals(s.labels().get(labels[i]));
            }
            if (all) {
                found = s.value();
                matches++;
            }
        }
        if (matches > 1) {
            throw new AssertionError(matches + " samples of " + name + " match " + String.join(",", labels));
        }
        return found;
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }
}
