package dev.rnn.flink.stream;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The streaming job's results computed without Flink: events stepped one at a time, in input order,
 * with each key's state in a map. What a failure-free run must give, key by key.
 */
final class SequentialReference {

    private SequentialReference() {
    }

    /** Result lines per key, in order, for {@code lines}; rejected lines are left out. */
    static Map<String, List<String>> results(StreamTask task, Path model, List<String> lines) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Map<String, float[]> states = new HashMap<>();
        try (EventModel events = task.open(model, 1)) {
            for (String line : lines) {
                int tab = line.indexOf('\t');
                if (tab <= 0) {
                    continue;
                }
                String key = line.substring(0, tab);
                float[] s = states.computeIfAbsent(key, k -> events.initialState());
                float[] work = s.clone();   // a rejected event must leave the state alone
                if (events.load(0, line.substring(tab + 1), work) != null) {
                    continue;
                }
                events.step(1);
                String fields = events.finish(0);
                states.put(key, work);
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(key + '\t' + fields);
            }
        }
        return out;
    }

    /** Committed lines of a file sink's directory, per key in the order each subtask wrote them (part files by subtask, then counter). */
    static Map<String, List<String>> committed(Path dir) throws java.io.IOException {
        List<Path> parts = new ArrayList<>();
        if (java.nio.file.Files.isDirectory(dir)) {
            try (var walk = java.nio.file.Files.walk(dir)) {
                walk.filter(p -> p.getFileName().toString().startsWith("part-")).forEach(parts::add);
            }
        }
        parts.sort(java.util.Comparator.comparingLong((Path p) -> partNumber(p, 2)).thenComparingLong(p -> partNumber(p, 1)));
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Path p : parts) {
            for (String line : java.nio.file.Files.readAllLines(p)) {
                out.computeIfAbsent(line.substring(0, line.indexOf('\t')), k -> new ArrayList<>()).add(line);
            }
        }
        return out;
    }

    /** Field {@code fromEnd} counted from the end of part-&lt;uid&gt;-&lt;subtask&gt;-&lt;counter&gt;: 2 the subtask, 1 the counter. */
    private static long partNumber(Path part, int fromEnd) {
        String[] f = part.getFileName().toString().split("-");
        return Long.parseLong(f[f.length - fromEnd]);
    }

    /** Every committed line of a file sink's directory. */
    static List<String> committedLines(Path dir) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        for (List<String> l : committed(dir).values()) {
            out.addAll(l);
        }
        return out;
    }
}
