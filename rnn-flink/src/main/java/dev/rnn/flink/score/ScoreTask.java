package dev.rnn.flink.score;

import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.ModelFiles;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.TaskModel;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The tasks the scoring job runs, each with its model type, how it reads its input, and the CLI command
 * whose output it reproduces: {@code classify predict}, {@code tag predict}, {@code forecast predict} and
 * {@code seq2seq translate}.
 */
public enum ScoreTask {
    /** One text per line; prints {@code label<TAB>probability<TAB>text}. */
    CLASSIFY(SentenceClassifier.class),
    /** One sentence per line (words split at spaces and punctuation), or CoNLL-U sentences for a {@code .conllu} input; prints word/TAG pairs. */
    TAG(SequenceTagger.class),
    /** A CSV with a header; for each row from the W-th on, the forecast after it: {@code line<TAB>step<TAB>value}. */
    FORECAST(Forecaster.class),
    /** One source text per line; prints the greedy translation. */
    SEQ2SEQ(Seq2SeqModel.class);

    final Class<? extends TaskModel> modelType;

    ScoreTask(Class<? extends TaskModel> modelType) {
        this.modelType = modelType;
    }

    /** The task named {@code name} (classify, tag, forecast or seq2seq), or an error listing them. */
    public static ScoreTask parse(String name) {
        for (ScoreTask t : values()) {
            if (t.cliName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("--task must be classify, tag, forecast or seq2seq, found '" + name + "'");
    }

    /** The name on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The model in {@code file}, for inference: an error naming the file when it is missing, unreadable or of another task. */
    TaskModel open(Path file) throws SafetensorsException {
        return ModelFiles.open(file, modelType);
    }

    /** Whether the tagger reads {@code input} as CoNLL-U rather than lines of plain text. */
    static boolean conllu(String input) {
        return input.toLowerCase(Locale.ROOT).endsWith(".conllu");
    }

    /** How this task's {@code input} is read into records; {@code model} is the task's model (a forecaster's window). */
    ScoreInputFormat format(String input, TaskModel model) {
        return switch (this) {
            case CLASSIFY, SEQ2SEQ -> new ScoreInputFormat.TextLines(input);
            case TAG -> conllu(input) ? new ScoreInputFormat.ConlluBlocks(input) : new ScoreInputFormat.TextLines(input);
            case FORECAST -> new ScoreInputFormat.CsvWindows(input, ((Forecaster) model).config().window());
        };
    }

    /** The scorer of this task's records of {@code input} with {@code model}, which it closes. */
    RecordScorer<?> scorer(TaskModel model, String input) {
        return switch (this) {
            case CLASSIFY -> new RecordScorer.Classify((SentenceClassifier) model);
            case TAG -> new RecordScorer.Tag((SequenceTagger) model, conllu(input));
            case FORECAST -> new RecordScorer.Forecast((Forecaster) model);
            case SEQ2SEQ -> new RecordScorer.Translate((Seq2SeqModel) model);
        };
    }
}
