package dev.rnn.flink.score;

import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.WordTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One task's scoring of input records into output text, through the same library calls and line
 * formatting ({@link PredictionLines}) as the CLI, with the task's model open for inference. A record the
 * model cannot score is a {@link dev.rnn.models.text.DataException} or an {@link IllegalArgumentException}
 * for the whole call; the caller isolates it. Used by one thread.
 */
abstract class RecordScorer<M extends TaskModel> implements AutoCloseable {

    /** The task's model, open for inference; closed with the scorer. */
    final M model;

    RecordScorer(M model) {
        this.model = model;
    }

    /**
     * The output of each record, its lines joined by {@code '\n'}, or null for a record with nothing to
     * score (a CoNLL-U block of comments only). Records go through the model together, as the CLI's
     * batches do.
     */
    abstract List<String> scoreAll(List<ScoreInput> records);

    @Override
    public void close() {
        model.close();
    }

    static List<String> texts(List<ScoreInput> records) {
        List<String> texts = new ArrayList<>(records.size());
        for (ScoreInput r : records) {
            texts.add(r.text);
        }
        return texts;
    }

    /** What {@code rnn classify predict} prints. */
    static final class Classify extends RecordScorer<SentenceClassifier> {
        Classify(SentenceClassifier classifier) {
            super(classifier);
        }

        @Override
        List<String> scoreAll(List<ScoreInput> records) {
            List<String> texts = texts(records);
            List<SentenceClassifier.Prediction> p = model.predict(texts);
            List<String> out = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                out.add(PredictionLines.classified(texts.get(i), p.get(i)));
            }
            return out;
        }
    }

    /** What {@code rnn tag predict} prints, for lines of text or (with {@code --conllu}) CoNLL-U sentence blocks. */
    static final class Tag extends RecordScorer<SequenceTagger> {
        private final boolean conllu;

        Tag(SequenceTagger tagger, boolean conllu) {
            super(tagger);
            this.conllu = conllu;
        }

        @Override
        List<String> scoreAll(List<ScoreInput> records) {
            List<List<String>> sentences = new ArrayList<>(records.size());
            for (ScoreInput r : records) {
                if (!conllu) {
                    sentences.add(WordTokenizer.words(r.text));
                } else {
                    List<List<String>> s = TaggedSentence.conlluWords(Path.of(r.file), Arrays.asList(r.text.split("\n", -1)), r.line);
                    sentences.add(s.isEmpty() ? null : s.get(0));
                }
            }
            List<List<String>> words = new ArrayList<>(sentences.size());
            for (List<String> s : sentences) {
                if (s != null) {
                    words.add(s);
                }
            }
            List<List<String>> tags = model.tagAll(words);
            List<String> out = new ArrayList<>(sentences.size());
            int next = 0;
            for (List<String> s : sentences) {
                out.add(s == null ? null : PredictionLines.tagged(s, tags.get(next++)));
            }
            return out;
        }
    }

    /**
     * What {@code rnn forecast predict} prints for the CSV cut after the window's last row, each line
     * after that row's file line and a TAB.
     */
    static final class Forecast extends RecordScorer<Forecaster> {
        Forecast(Forecaster forecaster) {
            super(forecaster);
        }

        @Override
        List<String> scoreAll(List<ScoreInput> records) {
            List<String> out = new ArrayList<>(records.size());
            for (ScoreInput r : records) {
                List<String> lines = Arrays.asList(r.text.split("\n", -1));
                CsvTable table = CsvTable.parse(Path.of(r.file), lines.get(0), r.headerLine, lines.subList(1, lines.size()), r.line);
                double[] next = model.predictNext(model.schema().encode(table));
                String row = table.line(table.rows() - 1) + "\t";
                StringBuilder text = new StringBuilder();
                for (String line : PredictionLines.forecast(next)) {
                    text.append(text.isEmpty() ? "" : "\n").append(row).append(line);
                }
                out.add(text.toString());
            }
            return out;
        }
    }

    /** What {@code rnn seq2seq translate} prints with its default, greedy decoding. */
    static final class Translate extends RecordScorer<Seq2SeqModel> {
        Translate(Seq2SeqModel model) {
            super(model);
        }

        @Override
        List<String> scoreAll(List<ScoreInput> records) {
            List<String> out = new ArrayList<>(records.size());
            for (String t : model.translateAll(texts(records), Decoding.greedy())) {
                out.add(PredictionLines.translated(t));
            }
            return out;
        }
    }
}
