package dev.rnn.serve;

import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.text.DataException;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.text.WordTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The routes on one model: its description, classify, tag, translate, complete and forecast. */
final class ModelRoutes {

    private static final String END_OF_TEXT = Seq2SeqModel.SPECIALS.getLast();   // "</s>"
    /** What errors in a forecast's CSV name where a file's would be named: "csv:3: ..." is line 3 of the field. */
    private static final Path CSV_SOURCE = Path.of("csv");

    private final Map<String, ServedModel> models;
    private final RnnServer.Limits limits;
    private final Map<String, Object> described;   // the answer of GET /v1/models, fixed for the server's life

    ModelRoutes(Map<String, ServedModel> models, RnnServer.Limits limits) {
        this.models = models;
        this.limits = limits;
        List<Object> all = new ArrayList<>();
        for (ServedModel m : models.values()) {
            all.add(describe(m));
        }
        this.described = Map.of("models", all);
    }

    ServedModel model(JsonEndpoint.Call call) {
        String name = call.pathParameter("name");
        ServedModel m = models.get(name);
        if (m == null) {
            throw ApiException.notFound(ApiException.Reason.UNKNOWN_MODEL, "no model '" + name + "'; this service has " + String.join(", ", models.keySet()));
        }
        return m;
    }

    /** GET /v1/models. */
    Object list(JsonEndpoint.Call call) {
        return described;
    }

    /** POST /v1/models/{name}/classify {"text"}. */
    Object classify(JsonEndpoint.Call call) {
        ServedModel served = model(call);
        SentenceClassifier c = served.as(SentenceClassifier.class, SentenceClassifier.TASK, "classify");
        String text = call.json().allow("text").nonEmptyText("text");
        List<SentenceClassifier.Prediction> all = c.labelProbabilities(text);
        List<Map<String, Object>> labels = new java.util.ArrayList<>(all.size());
        for (SentenceClassifier.Prediction p : all) {
            labels.add(Map.of("label", p.label(), "probability", p.probability()));
        }
        // the best label first, as before, then every label with its probability
        return Map.of("label", all.get(0).label(), "probability", all.get(0).probability(), "labels", labels);
    }

    /** POST /v1/models/{name}/tag {"words": [...]} or {"text"}. */
    Object tag(JsonEndpoint.Call call) {
        ServedModel served = model(call);
        SequenceTagger t = served.as(SequenceTagger.class, SequenceTagger.TASK, "tag");
        JsonRequest json = call.json().allow("words", "text");
        List<String> words;
        if (json.has("words") == json.has("text")) {
            throw ApiException.badRequest("give either 'words' (an array of strings) or 'text' (a string), not "
                    + (json.has("words") ? "both" : "neither"));
        } else if (json.has("words")) {
            words = json.strings("words");
        } else {
            words = WordTokenizer.words(json.text("text", true));
            if (words.isEmpty()) {
                throw ApiException.invalidInput("field 'text' has no words to tag");
            }
        }
        List<String> tags = t.tag(words);
        return Map.of("words", words, "tags", tags);
    }

    /** POST /v1/models/{name}/translate {"text", "beam", "attention"}. */
    Object translate(JsonEndpoint.Call call) {
        ServedModel served = model(call);
        Seq2SeqModel m = served.as(Seq2SeqModel.class, Seq2SeqModel.TASK, "translate");
        JsonRequest json = call.json().allow("text", "beam", "attention");
        String text = json.nonEmptyText("text");
        int beam = json.integer("beam", 1, 1, limits.maxBeamWidth());
        if (!json.bool("attention", false)) {
            return Map.of("translation", m.translate(text, beam));
        }
        if (beam != 1) {
            throw ApiException.badRequest("attention is shown for the greedy translation only: give 'beam' 1 (or none) with 'attention', found "
                    + beam);
        }
        if (m.config().attention() == Seq2SeqModel.Attention.NONE) {
            throw ApiException.badRequest("model '" + served.name() + "' has no attention to show");
        }
        Seq2SeqModel.Attended a = m.translateWithAttention(text);
        // the output tokens end with </s> when decoding stopped there; the translation is the tokens before it
        List<String> output = a.outputTokens();
        List<String> tokens = output.isEmpty() || !output.getLast().equals(END_OF_TEXT) ? output
                : output.subList(0, output.size() - 1);
        String translation = String.join(m.config().tokens() == Seq2SeqModel.Tokens.CHARS ? "" : " ", tokens);
        Map<String, Object> attention = new LinkedHashMap<>();
        attention.put("source", a.sourceTokens());
        attention.put("output", output);
        attention.put("weights", a.weights());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("translation", translation);
        out.put("attention", attention);
        return out;
    }

    /**
     * POST /v1/models/{name}/complete {"prefix", "k", "length", and "beam" or sampling fields}: the k
     * best continuations beam search finds, or, when a sampling field (temperature, topK, topP, seed)
     * is given, k continuations drawn one after another with one seeded sampler, in the order drawn.
     */
    Object complete(JsonEndpoint.Call call) {
        ServedModel served = model(call);
        TextStreamingModel lm = served.text("complete");
        JsonRequest json = call.json().allow("prefix", "k", "beam", "length", "temperature", "topK", "topP", "seed");
        String prefix = json.nonEmptyText("prefix");
        int k = json.integer("k", Math.min(5, limits.maxBeamWidth()), 1, limits.maxBeamWidth());
        int length = json.integer("length", Math.min(20, limits.maxCompletionLength()), 1, limits.maxCompletionLength());
        boolean sampled = false;
        for (String f : Generation.FIELDS) {
            sampled |= json.has(f);
        }
        if (sampled && json.has("beam")) {
            throw ApiException.badRequest("field 'beam' is for beam search; with temperature, topK, topP or seed the k continuations"
                    + " are sampled, so give one or the other");
        }
        int beam = sampled ? 0 : json.integer("beam", k, k, limits.maxBeamWidth());
        Generation.Options options = sampled ? Generation.Options.of(json, lm.size()) : null;
        try (TextStream s = lm.newStream()) {
            s.append(prefix);
            Map<String, Object> out = new LinkedHashMap<>();
            if (sampled) {
                out.put("continuations", sample(s, options, k, length));
                out.put("seed", options.seed());
            } else {
                List<TextStreamingModel.Completion> found = s.beamSearch(beam, length);
                out.put("continuations", completions(found.subList(0, Math.min(k, found.size()))));
            }
            out.put("next", nextCharacters(s.mostLikelyNext(k)));
            return out;
        }
    }

    /** k continuations of {@code length} characters after what {@code prefixed} holds, drawn in turn with one sampler. */
    private static List<Object> sample(TextStream prefixed, Generation.Options options, int k, int length) {
        List<TextStreamingModel.Completion> drawn = new ArrayList<>(k);
        Sampler sampler = options.sampler();
        float[] probabilities = new float[prefixed.model().size()];
        try (TextStream fork = prefixed.model().newStream()) {
            for (int i = 0; i < k; i++) {
                fork.copyStateFrom(prefixed);
                StringBuilder text = new StringBuilder(length);
                double logProbability = Generation.run(fork, sampler, length, probabilities, (cp, p) -> text.appendCodePoint(cp));
                drawn.add(new TextStreamingModel.Completion(text.toString(), logProbability));
            }
        }
        return completions(drawn);
    }

    /**
     * POST /v1/models/{name}/forecast {"csv"}: the H values after the last row of a CSV with a header
     * and the model's columns, of which the last W rows are read.
     */
    Object forecast(JsonEndpoint.Call call) {
        ServedModel served = model(call);
        Forecaster f = served.as(Forecaster.class, Forecaster.TASK, "forecast");
        String csv = call.json().allow("csv").nonEmptyText("csv");
        double[] horizon;
        try {
            CsvTable table = CsvTable.parse(CSV_SOURCE, csv);
            int window = f.config().window();
            if (table.rows() < window) {
                throw ApiException.invalidInput("field 'csv' has " + table.rows() + " rows after its header; the model reads the last "
                        + window + " (its window)");
            }
            horizon = f.predictNext(f.schema().encode(table));
        } catch (DataException e) {
            throw ApiException.invalidInput(e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", f.schema().target().name());
        out.put("horizon", horizon);
        return out;
    }

    static List<Object> completions(List<TextStreamingModel.Completion> found) {
        List<Object> out = new ArrayList<>(found.size());
        for (TextStreamingModel.Completion c : found) {
            out.add(Map.of("text", c.text(), "logProbability", c.logProbability()));
        }
        return out;
    }

    static List<Object> nextCharacters(List<TextStream.NextCharacter> next) {
        List<Object> out = new ArrayList<>(next.size());
        for (TextStream.NextCharacter c : next) {
            out.add(Map.of("character", c.character(), "probability", c.probability()));
        }
        return out;
    }

    /**
     * What {@code GET /v1/models} says of a model: its name and task, its integer settings ("sizes"),
     * its other scalar settings, the size of each vocabulary in its metadata, and the routes it answers.
     */
    static Map<String, Object> describe(ServedModel served) {
        Map<String, Object> sizes = new LinkedHashMap<>(), settings = new LinkedHashMap<>(), vocabularies = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : served.model().metadata().entrySet()) {
            String key = e.getKey(), value = e.getValue();
            if (key.equals("task")) {
                continue;
            }
            if (value.startsWith("[")) {
                try {
                    vocabularies.put(key, Vocabulary.fromJson(value).size());
                } catch (IllegalArgumentException notAVocabulary) {
                    settings.put(key, value);
                }
            } else if (value.matches("-?[0-9]{1,9}")) {
                sizes.put(key, Integer.parseInt(value));
            } else if (!value.startsWith("{")) {
                settings.put(key, value);
            }
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", served.name());
        d.put("task", served.model().task());
        d.put("sizes", sizes);
        d.put("settings", settings);
        d.put("vocabularies", vocabularies);
        List<String> routes = new ArrayList<>();
        switch (served.model()) {
            case CharLanguageModel lm -> {
                d.put("vocabularySize", lm.vocabulary().size());
                try (TextStream s = served.text("streams").newStream()) {
                    d.put("streamStateFloats", s.stateSize());
                }
                routes.add("complete");
                routes.add("streams");
            }
            case SentenceClassifier c -> {
                d.put("vocabularySize", vocabularies.getOrDefault("words", 0));
                d.put("labels", c.labels().tokens());
                routes.add("classify");
            }
            case SequenceTagger t -> {
                d.put("vocabularySize", vocabularies.getOrDefault("words", 0));
                d.put("tags", t.tags().tokens());
                routes.add("tag");
            }
            case Forecaster f -> {
                d.put("window", f.config().window());
                d.put("horizon", f.config().horizon());
                d.put("target", f.schema().target().name());
                List<String> columns = new ArrayList<>();
                columns.add(f.schema().target().name());
                for (SeriesSchema.Column c : f.schema().features()) {
                    columns.add(c.name());
                }
                d.put("columns", columns);
                routes.add("forecast");
            }
            case Seq2SeqModel m -> {
                d.put("vocabularySize", m.sourceVocabulary().size());
                d.put("targetVocabularySize", m.targetVocabulary().size());
                routes.add("translate");
            }
            default -> {
            }
        }
        d.put("routes", routes);
        return d;
    }
}
