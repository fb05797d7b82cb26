package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.Seq2SeqTraining;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.training.Trainer;
import java.io.PrintWriter;
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

/** {@code rnn seq2seq}: the encoder-decoder (train, eval, translate). */
@Command(name = "seq2seq", description = "Encoder-decoder for 'source<SEP>target' pairs: translation, normalisation, arithmetic.",
        mixinStandardHelpOptions = true, subcommands = {Seq2SeqCommand.Train.class, Seq2SeqCommand.Eval.class, Seq2SeqCommand.Translate.class})
final class Seq2SeqCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("adam", 3e-3, 5, 30, Integer.MAX_VALUE, 0.7);

    /** Architecture options (shared with the demo, which uses the defaults). */
    static final class ModelOptions {
        @Option(names = "--attention", defaultValue = "dot", description = "none, dot (Luong) or additive (Bahdanau) (default: ${DEFAULT-VALUE})")
        String attention = "dot";
        @Option(names = "--peeky", description = "feed the context vector to every decoder step and to the output layer")
        boolean peeky;
        @Option(names = "--reverse-source", description = "read sources backwards")
        boolean reverseSource;
        @Option(names = "--unidirectional", description = "one-directional encoder (default: bidirectional)")
        boolean unidirectional;
        @Option(names = "--cell", converter = CellNameConverter.class, defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
        String cell = "lstm";
        @Option(names = "--hidden", defaultValue = "128", description = "encoder hidden size per direction (default: ${DEFAULT-VALUE})")
        int hidden = 128;
        @Option(names = "--layers", defaultValue = "1", description = "levels in encoder and decoder (default: ${DEFAULT-VALUE})")
        int layers = 1;
        @Option(names = "--embedding", description = "token embedding size (default: 32, or the dimension of --embeddings)")
        Integer embedding;
        @Mixin
        EmbeddingOptions embeddings = new EmbeddingOptions();
        @Option(names = "--dropout", defaultValue = "0", description = "dropout between levels (default: ${DEFAULT-VALUE})")
        double dropout;
        @Option(names = "--tokens", defaultValue = "chars", description = "chars or words (default: ${DEFAULT-VALUE})")
        String tokens = "chars";
        @Option(names = "--max-length", description = "longest output in tokens (default: the longest training target + 10)")
        Integer maxLength;
        @Option(names = "--batch", defaultValue = "64", description = "pairs per batch (default: ${DEFAULT-VALUE})")
        int batch = 64;
        @Option(names = "--teacher-forcing", defaultValue = "1", description = "teacher-forcing ratio of the first epoch (default: ${DEFAULT-VALUE})")
        double teacherForcing = 1;
        @Option(names = "--teacher-forcing-decay", defaultValue = "1",
                description = "multiply the ratio by this every epoch; below 1 is scheduled sampling (default: ${DEFAULT-VALUE})")
        double teacherForcingDecay = 1;

        Seq2SeqModel.Config config(List<TextPair> pairs) {
            Seq2SeqModel.Tokens t = switch (tokens.toLowerCase(Locale.ROOT)) {
                case "chars" -> Seq2SeqModel.Tokens.CHARS;
                case "words" -> Seq2SeqModel.Tokens.WORDS;
                default -> throw new IllegalArgumentException("--tokens must be chars or words, found '" + tokens + "'");
            };
            Seq2SeqModel.Attention a = switch (attention.toLowerCase(Locale.ROOT)) {
                case "none" -> Seq2SeqModel.Attention.NONE;
                case "dot" -> Seq2SeqModel.Attention.DOT;
                case "additive" -> Seq2SeqModel.Attention.ADDITIVE;
                default -> throw new IllegalArgumentException("--attention must be none, dot or additive, found '" + attention + "'");
            };
            int longest = 1;
            for (TextPair p : pairs) {
                longest = Math.max(longest, Seq2SeqModel.tokenize(t, p.target()).size());
            }
            return new Seq2SeqModel.Config(CellNames.parse(cell), embeddings.dimension("--embedding", embedding, 32), hidden, layers, !unidirectional, a, peeky, reverseSource, t,
                    dropout, maxLength != null ? maxLength : longest + 10);
        }
    }

    /** Trains a model on {@code train}, validating on {@code validation}; returns the trainer's result. */
    static Trainer.Result train(List<TextPair> train, List<TextPair> validation, ModelOptions m, TrainingOptions t, Path model,
                                String title, PrintWriter out) throws Exception {
        try (Seq2SeqModel s = Seq2SeqModel.create(Kernels.preferred(), m.config(train), train, t.seed, m.embeddings.pretrained());
             Seq2SeqTraining task = new Seq2SeqTraining(s, train, validation, m.batch, t.seed, m.teacherForcing, m.teacherForcingDecay)) {
            if (s.pretrainedReport() != null) {
                out.println(m.embeddings.report(s.pretrainedReport()));
            }
            out.printf(Locale.ROOT, "%d pairs to train on, %d to validate with; vocabularies %d → %d; %,d parameters%n", train.size(),
                    validation.size(), s.sourceVocabulary().size(), s.targetVocabulary().size(), s.parameters().count());
            return TrainingRun.run(task, t.settings(DEFAULTS), model, t.resume, title, out);
        }
    }

    static String separator(String s) {
        return s.equals("\\t") ? "\t" : s;
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train on 'source<SEP>target' lines (split at the first separator; spaces around each side do not count);"
                    + " --val-fraction of them, drawn at random, is held out to pick the best epoch by exact match.",
                    "Defaults: bidirectional LSTM encoder (128 per direction), LSTM decoder, dot attention, embedding 32, batch 64,"
                            + " adam lr 0.003, clip 5, 30 epochs unless --minutes, lr × 0.7 after a validation without improvement."})
    static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "training pairs")
        Path pairs;
        @Option(names = "--model", required = true, paramLabel = "OUT", description = "model file to write (.safetensors)")
        Path model;
        @Option(names = "--separator", defaultValue = "\\t", paramLabel = "S", description = "between source and target (default: TAB)")
        String separator;
        @Option(names = "--val-fraction", defaultValue = "0.1", description = "fraction held out for validation (default: ${DEFAULT-VALUE})")
        double valFraction;
        @Option(names = "--beam", defaultValue = "1", paramLabel = "K", description = "after training, report validation exact-match with this beam width")
        int beam;
        @Mixin
        ModelOptions modelOptions;
        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            if (!(valFraction > 0 && valFraction < 1)) {
                throw new IllegalArgumentException("--val-fraction must be in (0, 1), found " + valFraction);
            }
            List<TextPair> all = new ArrayList<>(TextPair.read(pairs, separator(separator)));
            Collections.shuffle(all, new Random(training.seed));
            int held = Math.max(1, (int) Math.round(all.size() * valFraction));
            if (held >= all.size()) {
                throw new IllegalArgumentException(pairs + ": " + all.size() + " pairs are too few to hold out " + valFraction);
            }
            List<TextPair> train = all.subList(0, all.size() - held), validation = all.subList(all.size() - held, all.size());
            PrintWriter out = spec.commandLine().getOut();
            Trainer.Result r = train(train, validation, modelOptions, training, model, "seq2seq on " + pairs.getFileName(), out);
            if (beam > 1 && r.best() != null) {
                try (Seq2SeqModel m = Seq2SeqModel.open(Kernels.preferred(), model)) {
                    out.printf(Locale.ROOT, "validation exact-match with beam %d: %.4f%n", beam, m.exactMatch(validation, beam));
                }
            }
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true, description = "Exact match on pairs: prints 'exact-match: X'.")
    static final class Eval implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn seq2seq train'")
        Path model;
        @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "pairs to translate and compare")
        Path pairs;
        @Option(names = "--separator", defaultValue = "\\t", paramLabel = "S", description = "between source and target (default: TAB)")
        String separator;
        @Option(names = "--beam", defaultValue = "1", paramLabel = "K", description = "beam width; 1 is greedy (default: ${DEFAULT-VALUE})")
        int beam;

        @Override
        public Integer call() throws Exception {
            List<TextPair> p = TextPair.read(pairs, separator(separator));
            try (Seq2SeqModel m = Seq2SeqModel.open(Kernels.preferred(), model)) {
                spec.commandLine().getOut().printf(Locale.ROOT, "exact-match: %.4f%n", m.exactMatch(p, beam));
            }
            return 0;
        }
    }

    @Command(name = "translate", mixinStandardHelpOptions = true,
            description = "Translate each TEXT (or each line of standard input): prints one output per line.")
    static final class Translate implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn seq2seq train'")
        Path model;
        @Mixin
        DecodingOptions decoding;
        @Option(names = "--attention-png", paramLabel = "FILE", description = "draw the first text's attention weights (greedy) as a heatmap")
        Path attentionPng;
        @Parameters(paramLabel = "TEXT", arity = "0..*", description = "texts to translate (default: standard input, one per line)")
        List<String> texts;

        @Override
        public Integer call() throws Exception {
            List<String> in = InputLines.of(texts);
            try (Seq2SeqModel m = Seq2SeqModel.open(Kernels.preferred(), model)) {
                PrintWriter out = spec.commandLine().getOut();
                for (String t : m.translateAll(in, decoding.decoding())) {
                    out.println(PredictionLines.translated(t));
                }
                if (attentionPng != null) {
                    Seq2SeqModel.Attended a = m.translateWithAttention(in.get(0));
                    AttentionPlot.write(attentionPng, a.sourceTokens(), a.outputTokens(), a.weights());
                    out.println("attention: " + attentionPng);
                }
            }
            return 0;
        }
    }
}
