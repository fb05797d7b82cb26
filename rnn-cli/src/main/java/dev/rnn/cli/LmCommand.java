package dev.rnn.cli;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.CharLanguageModelTraining;
import dev.rnn.models.text.TextFiles;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.TrainingSettings;
import dev.rnn.models.training.TruncatedBptt;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rnn lm}: the character-level language model (train, sample, eval). */
@Command(name = "lm", description = "Character-level language model: train on a text, sample from it, score a text.",
        mixinStandardHelpOptions = true, subcommands = {LmCommand.Train.class, LmCommand.Sample.class, LmCommand.Eval.class})
final class LmCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("adam", 2e-3, 5, 20, 500, 0.7, 0, true);

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train on a UTF-8 text: its characters are the vocabulary; the last --val-fraction is held out for"
                    + " validation. The text is read as B parallel streams with the state carried across batches"
                    + " (truncated BPTT over --seq-len steps), as char-rnn does.",
                    "Defaults: optimizer adam, lr 0.002, clip 5, 20 epochs unless --minutes, validation every 500 batches,"
                            + " lr × 0.7 after a validation without improvement."})
    static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--text", required = true, paramLabel = "FILE", description = "training text (UTF-8)")
        Path text;

        @Option(names = "--model", required = true, paramLabel = "OUT", description = "model file to write (.safetensors)")
        Path model;

        @Option(names = "--cell", converter = CellNameConverter.class, defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
        String cell;

        @Option(names = "--hidden", defaultValue = "512", description = "hidden size (default: ${DEFAULT-VALUE})")
        int hidden;

        @Option(names = "--layers", defaultValue = "2", description = "recurrent levels (default: ${DEFAULT-VALUE})")
        int layers;

        @Option(names = "--embedding", defaultValue = "64", description = "character embedding size (default: ${DEFAULT-VALUE})")
        int embedding;

        @Option(names = "--dropout", defaultValue = "0.25", description = "dropout between levels and before the output (default: ${DEFAULT-VALUE})")
        double dropout;

        @Option(names = "--seq-len", defaultValue = "100", description = "steps per batch, the BPTT window (default: ${DEFAULT-VALUE}; see --bptt)")
        int seqLen;

        @Option(names = "--batch", defaultValue = "32", description = "parallel streams per batch (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--val-fraction", defaultValue = "0.1", description = "the last fraction held out (default: ${DEFAULT-VALUE})")
        double valFraction;

        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            if (!(valFraction > 0 && valFraction < 1)) {
                throw new IllegalArgumentException("--val-fraction must be in (0, 1), found " + valFraction);
            }
            String all = TextFiles.read(text);
            int[] cps = all.codePoints().toArray();
            int split = (int) Math.round(cps.length * (1 - valFraction));
            if (split < 2 || cps.length - split < 2) {
                throw new IllegalArgumentException(text + ": " + cps.length + " characters are too few to hold out "
                        + valFraction + " for validation");
            }
            Vocabulary vocab = Vocabulary.ofCharacters(all);
            CharLanguageModel.Config config = new CharLanguageModel.Config(
                    CellNames.parse(cell), embedding, hidden, layers, dropout);
            PrintWriter out = spec.commandLine().getOut();
            TruncatedBptt.Lengths bptt = training.truncatedBptt(seqLen, spec.commandLine().getParseResult().hasMatchedOption("--seq-len"));
            TrainingSettings settings = training.settings(DEFAULTS);
            try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), config, vocab, training.seed);
                 CharLanguageModelTraining task = new CharLanguageModelTraining(lm, Arrays.copyOfRange(ids(lm, cps), 0, split),
                         Arrays.copyOfRange(ids(lm, cps), split, cps.length), batch, bptt, training.seed)) {
                out.printf(Locale.ROOT, "%s: %d characters (%d for training, %d held out), vocabulary %d; %s %d×%d, %,d parameters;"
                        + " truncated BPTT %d forward, %d back%n", text, cps.length, split, cps.length - split, vocab.size(), cell, layers,
                        hidden, lm.parameters().count(), bptt.k1(), bptt.k2());
                TrainingRun.run(task, settings, model, training.resume,
                        "character LM on " + text.getFileName(), out);
            }
            return 0;
        }

        private static int[] ids(CharLanguageModel lm, int[] cps) {
            int[] ids = new int[cps.length];
            for (int i = 0; i < cps.length; i++) {
                ids[i] = lm.vocabulary().id(Character.toString(cps[i]));
            }
            return ids;
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Generate text, one cell step per character, streamed as it is generated.")
    static final class Sample implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn lm train'")
        Path model;

        @Option(names = "--prime", defaultValue = "", description = "text to start from (default: a newline)")
        String prime;

        @Option(names = "--length", defaultValue = "500", description = "characters to generate (default: ${DEFAULT-VALUE})")
        int length;

        @Option(names = "--temperature", defaultValue = "0.8", description = "sharpens (< 1) or flattens (> 1) the distribution (default: ${DEFAULT-VALUE})")
        double temperature;

        @Option(names = "--top-k", defaultValue = "0", description = "draw only from the K most likely characters (0: all)")
        int topK;

        @Option(names = "--top-p", defaultValue = "1", description = "draw only from the most likely characters whose probability sums to P")
        double topP;

        @Option(names = "--greedy", description = "always take the most likely character")
        boolean greedy;

        @Option(names = "--seed", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            if (length < 0) {
                throw new IllegalArgumentException("--length must be ≥ 0, found " + length);
            }
            Sampler sampler = greedy ? Sampler.greedy() : new Sampler(temperature, topK, topP, seed);
            PrintWriter out = spec.commandLine().getOut();
            try (CharLanguageModel lm = CharLanguageModel.open(Kernels.preferred(), model);
                 TextStreamingModel generator = lm.textStreaming(PackedMatrix.Format.F32);
                 TextStream stream = generator.newStream()) {
                Vocabulary v = lm.vocabulary();
                stream.append(prime.isEmpty() ? (v.contains("\n") ? "\n" : v.token(0)) : prime);
                out.print(prime);
                for (int i = 0; i < length; i++) {
                    out.print(Character.toString(stream.appendNext(sampler)));
                    out.flush();
                }
                out.println();
            }
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Score a text: mean cross-entropy in nats per character (loss) and perplexity.")
    static final class Eval implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn lm train'")
        Path model;

        @Option(names = "--text", required = true, paramLabel = "FILE", description = "text to score (UTF-8)")
        Path text;

        @Override
        public Integer call() throws Exception {
            String t = TextFiles.read(text);
            try (CharLanguageModel lm = CharLanguageModel.open(Kernels.preferred(), model)) {
                int[] ids;
                try {
                    ids = lm.encode(t);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(text + ": " + e.getMessage());
                }
                double loss = lm.loss(ids);
                PrintWriter out = spec.commandLine().getOut();
                out.printf(Locale.ROOT, "loss: %.4f%n", loss);
                out.printf(Locale.ROOT, "perplexity: %.4f%n", Math.exp(loss));
            }
            return 0;
        }
    }
}
