package dev.rnn.models.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Task model files with fuzzed metadata (task, architecture numbers, vocabularies) and tensors. */
final class TaskModelFiles {

    private TaskModelFiles() {
    }

    private static final List<String> TASKS = List.of("char-lm", "sentence-classifier", "sequence-tagger", "seq2seq", "other",
            "forecaster", "caption");
    private static final List<String> NUMBERS = List.of("embedding", "hidden", "layers", "wordDim", "charDim", "buckets", "maxTargetLength");
    private static final List<String> VOCABULARIES = List.of("vocabulary", "words", "labels", "tags", "source", "target");

    static byte[] file(FuzzedDataProvider d, List<String> names) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("task", d.pickValue(TASKS));
        m.put("cell", d.pickValue(List.of("lstm", "gru", "rnn", "rnn-relu", "cnn")));
        for (String key : NUMBERS) {
            int choice = d.consumeInt(0, 3);
            m.put(key, switch (choice) {
                case 0 -> Integer.toString(d.consumeInt(1, 8));
                case 1 -> Integer.toString(d.consumeInt());
                case 2 -> Long.toString(d.consumeLong());
                default -> d.consumeString(6);
            });
        }
        m.put("dropout", d.pickValue(List.of("0", "0.5", "1", "-1", "NaN", "x")));
        m.put("wordDropout", d.pickValue(List.of("0", "0.25", "-1", "NaN")));
        for (String flag : List.of("bidirectional", "peeky", "reverseSource")) {
            m.put(flag, d.pickValue(List.of("true", "false", "maybe")));
        }
        m.put("attention", d.pickValue(List.of("none", "dot", "additive", "x")));
        m.put("tokens", d.pickValue(List.of("chars", "words", "x")));
        for (String key : VOCABULARIES) {
            int n = d.consumeInt(0, 6);
            StringBuilder v = new StringBuilder("[");
            if (d.consumeBoolean()) {
                for (String s : List.of("<pad>", "<unk>", "<s>", "</s>")) {
                    v.append(v.length() > 1 ? "," : "").append('"').append(s).append('"');
                }
            }
            for (int i = 0; i < n; i++) {
                v.append(v.length() > 1 ? "," : "").append('"').append(FuzzFiles.escape(d.consumeString(3))).append('"');
            }
            v.append(d.consumeBoolean() ? "]" : "");
            m.put(key, v.toString());
        }
        // the forecaster's and the caption model's keys, drawn last so that older corpus inputs keep their meaning
        for (String key : List.of("window", "horizon", "features")) {
            m.put(key, d.pickValue(List.of("1", "2", "3", "0", "-1", "2147483647", "x")));
        }
        m.put("loss", d.pickValue(List.of("mse", "huber", "x")));
        m.put("testFraction", d.pickValue(List.of("0.2", "1", "NaN", "x")));
        for (String flag : List.of("autoregressive", "feedFeatures")) {
            m.put(flag, d.pickValue(List.of("true", "false", "maybe")));
        }
        m.put("maxLength", d.pickValue(List.of("1", "5", "0", "x")));
        m.put("series.target.name", d.pickValue(List.of("y", "")));
        m.put("series.target.mean", d.pickValue(List.of("0", "1e308", "NaN", "x")));
        m.put("series.target.std", d.pickValue(List.of("1", "0", "-1", "Infinity", "x")));
        m.put("series.features", d.pickValue(List.of("[]", "[\"w\"]", "[\"y\"]", "[", "[\"w\",\"w\"]")));
        m.put("series.feature.0.name", d.pickValue(List.of("w", "y", "v")));
        if (d.consumeBoolean()) {
            m.put("series.feature.0.categories", d.pickValue(List.of("[\"a\",\"b\"]", "[]", "x")));
        } else {
            m.put("series.feature.0.mean", d.pickValue(List.of("0", "x")));
            m.put("series.feature.0.std", d.pickValue(List.of("1", "0")));
        }
        return FuzzFiles.safetensors(d, names, m);
    }
}
