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

    /**
     * Committed lines of a file sink's directory, per key, sorted. Sorting loses only the order of a
     * key's lines, and each line's numbers depend on every earlier event of its key: a key's events
     * stepped out of order, twice or not at all give other lines, so equal sorted lines mean the same run.
     */
    static Map<String, List<String>> committed(Path dir) throws java.io.IOException {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (String line : committedLines(dir)) {
            out.computeIfAbsent(line.substring(0, line.indexOf('\t')), k -> new ArrayList<>()).add(line);
        }
        for (List<String> l : out.values()) {
            java.util.Collections.sort(l);
        }
        return out;
    }

    /** {@link #results} in the form of {@link #committed}: keys and each key's lines sorted. */
    static Map<String, List<String>> sorted(Map<String, List<String>> results) {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        results.forEach((k, v) -> {
            List<String> l = new ArrayList<>(v);
            java.util.Collections.sort(l);
            out.put(k, l);
        });
        return out;
    }

    /** Null when equal, else a short account of the first difference (the maps are too large to print). */
    static String difference(Map<String, List<String>> expected, Map<String, List<String>> found) {
        if (!expected.keySet().equals(found.keySet())) {
            return "keys differ: expected " + expected.size() + ", found " + found.size();
        }
        for (String k : expected.keySet()) {
            List<String> e = expected.get(k), f = found.get(k);
            if (!e.equals(f)) {
                int i = 0;
                while (i < Math.min(e.size(), f.size()) && e.get(i).equals(f.get(i))) {
                    i++;
                }
                return "key " + k + ": " + e.size() + " lines expected, " + f.size() + " found; first difference at sorted line " + i
                        + ": expected " + (i < e.size() ? e.get(i) : "none") + ", found " + (i < f.size() ? f.get(i) : "none");
            }
        }
        return null;
    }

    /** Every committed line of a file sink's directory (part files, not in-progress ones). */
    static List<String> committedLines(Path dir) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        if (java.nio.file.Files.isDirectory(dir)) {
            try (var walk = java.nio.file.Files.walk(dir)) {
                for (Path p : walk.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                    out.addAll(java.nio.file.Files.readAllLines(p));
                }
            }
        }
        return out;
    }
}
