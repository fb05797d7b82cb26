package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SentenceClassifierTraining;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.training.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rnn classify}: the sentence classifier (train, eval, predict, cross-validate). */
@Command(name = "classify", description = "Sentence classifier (many-to-one): 'text<TAB>label' lines, labels any strings.",
        mixinStandardHelpOptions = true,
        subcommands = {ClassifyCommand.Train.class, ClassifyCommand.Eval.class, ClassifyCommand.Predict.class, ClassifyCommand.CrossValidate.class,
                ExportEmbeddingsCommand.class})
final class ClassifyCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("adam", 2e-3, 5, 30, Integer.MAX_VALUE, 0.7);
    static final String DEFAULTS_TEXT = "Defaults: optimizer adam, lr 0.002, clip 5, 30 epochs unless --minutes, validation after"
            + " each epoch, lr × 0.7 after a validation without improvement; the model kept is the best by validation accuracy.";

    /** Architecture options shared by train and cv. */
    static final class ModelOptions {
        @Option(names = "--cell", converter = CellNameConverter.class, defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
        String cell;
        @Option(names = "--hidden", defaultValue = "64", description = "hidden size per direction (default: ${DEFAULT-VALUE})")
        int hidden;
        @Option(names = "--layers", defaultValue = "1", description = "recurrent levels (default: ${DEFAULT-VALUE})")
        int layers;
        @Option(names = "--unidirectional", description = "one direction only (default: bidirectional)")
        boolean unidirectional;
        @Option(names = "--word-dim", description = "word embedding size (default: 64, or the dimension of --embeddings)")
        Integer wordDim;
        @Option(names = "--char-dim", defaultValue = "32", description = "character n-gram embedding size (default: ${DEFAULT-VALUE})")
        int charDim;
        @Option(names = "--buckets", defaultValue = "8192", description = "character n-gram hash buckets (default: ${DEFAULT-VALUE})")
        int buckets;
        @Option(names = "--dropout", defaultValue = "0.5", description = "dropout on inputs and pooled features (default: ${DEFAULT-VALUE})")
        double dropout;
        @Option(names = "--word-dropout", defaultValue = "0.25",
                description = "α: a word seen c times becomes unknown with probability α/(α+c) in training (default: ${DEFAULT-VALUE})")
        double wordDropout;
        @Option(names = "--batch", defaultValue = "32", description = "sentences per batch (default: ${DEFAULT-VALUE})")
        int batch;
        @Mixin
        EmbeddingOptions embeddings = new EmbeddingOptions();

        SentenceClassifier.Config config() {
            return new SentenceClassifier.Config(CellNames.parse(cell), embeddings.dimension("--word-dim", wordDim, 64), charDim, buckets,
                    hidden, layers, !unidirectional, dropout, wordDropout);
        }
    }

    /** Shuffles {@code examples} with {@code seed} and splits off the last {@code fraction} (at least one) for validation. */
    static List<List<LabelledSentence>> split(List<LabelledSentence> examples, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("--val-fraction must be in (0, 1), found " + fraction);
        }
        List<LabelledSentence> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(seed));
        int held = Math.max(1, (int) Math.round(shuffled.size() * fraction));
        if (held >= shuffled.size()) {
            throw new IllegalArgumentException(examples.size() + " examples are too few to hold out " + fraction + " for validation");
        }
        return List.of(shuffled.subList(0, shuffled.size() - held), shuffled.subList(shuffled.size() - held, shuffled.size()));
    }

    static Trainer.Result train(List<LabelledSentence> train, List<LabelledSentence> validation, ModelOptions m,
                                TrainingOptions t, Path model, String title, PrintWriter out) throws Exception {
        try (SentenceClassifier c = SentenceClassifier.create(Kernels.preferred(), m.config(), train, t.seed, m.embeddings.pretrained())) {
            SentenceClassifierTraining task = new SentenceClassifierTraining(c, train, validation, m.batch, t.seed);
            if (c.pretrainedReport() != null) {
                out.println(m.embeddings.report(c.pretrainedReport()));
            }
            out.printf(Locale.ROOT, "%d examples to train on, %d to validate with; labels %s; %,d parameters%n", train.size(),
                    validation.size(), c.labels().tokens(), c.parameters().count());
            return TrainingRun.run(task, t.settings(DEFAULTS), model, t.resume, title, out);
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train on one or more 'text<TAB>label' files (concatenated); --val-fraction of them, drawn at random,"
                    + " is held out for validation.", DEFAULTS_TEXT})
    static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--data", required = true, paramLabel = "FILE", description = "training data; repeat for several files")
        List<Path> data;
        @Option(names = "--model", required = true, paramLabel = "OUT", description = "model file to write (.safetensors)")
        Path model;
        @Option(names = "--val-fraction", defaultValue = "0.1", description = "fraction held out for validation (default: ${DEFAULT-VALUE})")
        double valFraction;
        @Mixin
        ModelOptions modelOptions;
        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            List<LabelledSentence> all = LabelledSentence.read(data);
            List<List<LabelledSentence>> parts = split(all, valFraction, training.seed);
            train(parts.get(0), parts.get(1), modelOptions, training, model, "classifier", spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true, description = "Accuracy of a model on labelled data: prints 'accuracy: X'.")
    static final class Eval implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn classify train'")
        Path model;
        @Option(names = "--data", required = true, paramLabel = "FILE", description = "labelled data; repeat for several files")
        List<Path> data;

        @Override
        public Integer call() throws Exception {
            List<LabelledSentence> examples = LabelledSentence.read(data);
            try (SentenceClassifier c = SentenceClassifier.open(Kernels.preferred(), model)) {
                spec.commandLine().getOut().printf(Locale.ROOT, "accuracy: %.4f%n", c.accuracy(examples));
            }
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = "Label each TEXT (or each line of standard input): prints 'label<TAB>probability<TAB>text'.")
    static final class Predict implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn classify train'")
        Path model;
        @Parameters(paramLabel = "TEXT", arity = "0..*", description = "texts to classify (default: standard input, one per line)")
        List<String> texts;

        @Override
        public Integer call() throws Exception {
            List<String> in = InputLines.of(texts);
            try (SentenceClassifier c = SentenceClassifier.open(Kernels.preferred(), model)) {
                List<SentenceClassifier.Prediction> p = c.predict(in);
                PrintWriter out = spec.commandLine().getOut();
                for (int i = 0; i < in.size(); i++) {
                    out.println(PredictionLines.classified(in.get(i), p.get(i)));
                }
            }
            return 0;
        }
    }

    @Command(name = "cv", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"K-fold cross-validation: the examples (all --data files together), shuffled with --seed, are cut into"
                    + " K folds; each fold is tested on a model trained on the others (with --val-fraction of those held out"
                    + " to pick the best epoch). Prints each fold's accuracy and 'mean accuracy: X'.", DEFAULTS_TEXT})
    static final class CrossValidate implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--data", required = true, paramLabel = "FILE", description = "labelled data; repeat for several files")
        List<Path> data;
        @Option(names = "--folds", defaultValue = "10", description = "K (default: ${DEFAULT-VALUE})")
        int folds;
        @Option(names = "--val-fraction", defaultValue = "0.1", description = "fraction of each training part held out for validation (default: ${DEFAULT-VALUE})")
        double valFraction;
        @Option(names = "--work-dir", paramLabel = "DIR", description = "where the fold models go (default: a temporary directory, deleted after)")
        Path workDir;
        @Mixin
        ModelOptions modelOptions;
        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            if (folds < 2) {
                throw new IllegalArgumentException("--folds must be ≥ 2, found " + folds);
            }
            List<LabelledSentence> all = new ArrayList<>(LabelledSentence.read(data));
            if (all.size() < folds) {
                throw new IllegalArgumentException(all.size() + " examples cannot be cut into " + folds + " folds");
            }
            Collections.shuffle(all, new Random(training.seed));
            boolean temporary = workDir == null;
            Path dir = temporary ? Files.createTempDirectory("rnn-cv") : Files.createDirectories(workDir);
            PrintWriter out = spec.commandLine().getOut();
            double sum = 0;
            try {
                for (int k = 0; k < folds; k++) {
                    int from = (int) ((long) all.size() * k / folds), to = (int) ((long) all.size() * (k + 1) / folds);
                    List<LabelledSentence> test = all.subList(from, to), rest = new ArrayList<>(all.subList(0, from));
                    rest.addAll(all.subList(to, all.size()));
                    List<List<LabelledSentence>> parts = split(rest, valFraction, training.seed + k);
                    Path model = dir.resolve("fold" + (k + 1) + ".safetensors");
                    out.printf(Locale.ROOT, "fold %d/%d%n", k + 1, folds);
                    train(parts.get(0), parts.get(1), modelOptions, training, model, "classifier, fold " + (k + 1), out);
                    try (SentenceClassifier c = SentenceClassifier.open(Kernels.preferred(), model)) {
                        double acc = c.accuracy(test);
                        sum += acc;
                        out.printf(Locale.ROOT, "fold %d accuracy: %.4f%n", k + 1, acc);
                    }
                }
                out.printf(Locale.ROOT, "mean accuracy: %.4f%n", sum / folds);
            } finally {
                if (temporary) {
                    try (var files = Files.list(dir)) {
                        for (Path p : (Iterable<Path>) files::iterator) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            }
            return 0;
        }
    }
}
