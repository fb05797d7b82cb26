package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.tasks.CaptionModel;
import dev.rnn.models.tasks.CaptionTraining;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.text.NumberWords;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rnn numbers}: generation from a feature vector, shown on numbers (digits one-hot) written in English words. */
@Command(name = "numbers", mixinStandardHelpOptions = true,
        description = "Generation from a feature vector (the captioning pattern): a number's digits, one-hot, start a decoder that"
                + " writes the number in English words.",
        subcommands = {NumbersCommand.Train.class, NumbersCommand.Say.class})
final class NumbersCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("adam", 3e-3, 5, 30, Integer.MAX_VALUE, 0.7);

    /**
     * {@code count} distinct numbers below 10^digits from a generator seeded by {@code seed}, drawn
     * group by group of three digits: a number of 1..G groups (uniformly), its leading group nonzero,
     * each other group zero with probability 1/4. Short numbers and inner zero groups ("one million
     * one") are then common enough to be learned; uniform numbers would almost all be full-length.
     */
    static List<Long> numbers(int digits, int count, long seed) {
        long limit = Math.min(NumberWords.MAX + 1, (long) Math.pow(10, digits));
        if (count > limit) {
            throw new IllegalArgumentException(count + " distinct numbers (training, validation and held out) of " + digits
                    + " digits are more than there are (" + limit + ")");
        }
        int groups = (digits + 2) / 3;
        SplittableRandom random = new SplittableRandom(seed);
        LinkedHashSet<Long> set = new LinkedHashSet<>();
        while (set.size() < count) {
            int g = 1 + random.nextInt(groups);
            long n = g == 1 ? random.nextLong(Math.min(1000, limit)) : 1 + random.nextInt(999);
            for (int i = 1; i < g; i++) {
                n = n * 1000 + (random.nextInt(4) == 0 ? 0 : random.nextInt(1000));
            }
            if (n < limit) {
                set.add(n);
            }
        }
        return new ArrayList<>(set);
    }

    static List<CaptionModel.Example> examples(List<Long> numbers, int digits) {
        List<CaptionModel.Example> out = new ArrayList<>();
        for (long n : numbers) {
            out.add(new CaptionModel.Example(NumberWords.digits(n, digits), NumberWords.words(n)));
        }
        return out;
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train on --examples distinct random numbers of up to --digits digits, validate on --validation others,"
                    + " then report the exact match on --held-out further numbers never trained on: 'held-out exact-match: X'.",
                    "Defaults: optimizer adam, lr 0.003, clip 5, 30 epochs unless --minutes, lr × 0.7 after a validation without improvement."})
    static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "OUT", description = "model file to write (.safetensors)")
        Path model;
        @Option(names = "--digits", defaultValue = "6", description = "numbers below 10^digits, at most 9 (default: ${DEFAULT-VALUE})")
        int digits;
        @Option(names = "--examples", defaultValue = "20000", description = "training numbers (default: ${DEFAULT-VALUE})")
        int examples;
        @Option(names = "--validation", defaultValue = "1000", description = "validation numbers (default: ${DEFAULT-VALUE})")
        int validationCount;
        @Option(names = "--held-out", defaultValue = "2000", description = "numbers scored after training (default: ${DEFAULT-VALUE})")
        int heldOut;
        @Option(names = "--cell", converter = CellNameConverter.class, defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
        String cell;
        @Option(names = "--hidden", defaultValue = "128", description = "hidden size (default: ${DEFAULT-VALUE})")
        int hidden;
        @Option(names = "--layers", defaultValue = "1", description = "recurrent levels (default: ${DEFAULT-VALUE})")
        int layers;
        @Option(names = "--embedding", defaultValue = "32", description = "word embedding size (default: ${DEFAULT-VALUE})")
        int embedding;
        @Option(names = "--no-feed-features", description = "use the feature vector for the start state only (default: also at every step)")
        boolean noFeed;
        @Option(names = "--batch", defaultValue = "32", description = "examples per batch (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--beam", defaultValue = "4", description = "also report the held-out exact match with this beam width (default: ${DEFAULT-VALUE})")
        int beam;
        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            if (digits < 1 || digits > 9) {
                throw new IllegalArgumentException("--digits must be in 1..9, found " + digits);
            }
            if (examples < 1 || validationCount < 1 || heldOut < 1) {
                throw new IllegalArgumentException("--examples, --validation and --held-out must be ≥ 1, found " + examples + ", "
                        + validationCount + " and " + heldOut);
            }
            List<Long> all = numbers(digits, examples + validationCount + heldOut, training.seed);
            int v = examples + validationCount;
            List<CaptionModel.Example> train = examples(all.subList(0, examples), digits);
            List<CaptionModel.Example> validation = examples(all.subList(examples, v), digits);
            List<CaptionModel.Example> test = examples(all.subList(v, v + heldOut), digits);
            int longest = 1;
            for (CaptionModel.Example e : train) {
                longest = Math.max(longest, CaptionModel.tokenize(e.text()).size());
            }
            CaptionModel.Config config = new CaptionModel.Config(CellNames.parse(cell), 10 * digits, embedding, hidden, layers, !noFeed, 0,
                    longest + 5);
            PrintWriter out = spec.commandLine().getOut();
            try (CaptionModel m = CaptionModel.create(Kernels.preferred(), config, train, training.seed);
                 CaptionTraining task = new CaptionTraining(m, train, validation, batch, training.seed)) {
                out.printf(Locale.ROOT, "%,d numbers to train on, %,d to validate with, %,d held out; %d words; %,d parameters%n",
                        train.size(), validation.size(), test.size(), m.vocabulary().size(), m.parameters().count());
                TrainingRun.run(task, training.settings(DEFAULTS), model, training.resume, "numbers in words", out);
            }
            try (CaptionModel m = CaptionModel.open(Kernels.preferred(), model)) {
                out.printf(Locale.ROOT, "held-out exact-match: %.4f%n", m.exactMatch(test, Decoding.greedy()));
                if (beam > 1) {
                    out.printf(Locale.ROOT, "held-out exact-match with beam %d: %.4f%n", beam, m.exactMatch(test, Decoding.beam(beam)));
                }
            }
            return 0;
        }
    }

    @Command(name = "say", mixinStandardHelpOptions = true, description = "Writes each NUMBER in words with a trained model: 'number<TAB>words'.")
    static final class Say implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn numbers train'")
        Path model;
        @Mixin
        DecodingOptions decoding;
        @Parameters(paramLabel = "NUMBER", arity = "1..*", description = "whole numbers ≥ 0")
        List<Long> numbers;

        @Override
        public Integer call() throws Exception {
            try (CaptionModel m = CaptionModel.open(Kernels.preferred(), model)) {
                int digits = m.config().features() / 10;
                List<float[]> features = new ArrayList<>();
                for (long n : numbers) {
                    if (n < 0 || n >= Math.pow(10, digits)) {
                        throw new IllegalArgumentException(n + " is outside the model's range 0.." + ((long) Math.pow(10, digits) - 1));
                    }
                    features.add(NumberWords.digits(n, digits));
                }
                List<String> words = m.generateAll(features, decoding.decoding());
                PrintWriter out = spec.commandLine().getOut();
                for (int i = 0; i < numbers.size(); i++) {
                    out.printf(Locale.ROOT, "%d\t%s%n", numbers.get(i), words.get(i));
                }
            }
            return 0;
        }
    }
}
