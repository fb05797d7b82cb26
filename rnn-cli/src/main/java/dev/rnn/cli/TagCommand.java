package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.SequenceTaggerTraining;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.WordTokenizer;
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

/** {@code rnn tag}: the sequence tagger (train, eval, predict) on CoNLL-U data. */
@Command(name = "tag", description = "Sequence tagger (aligned many-to-many), e.g. part-of-speech tags from CoNLL-U files.",
        mixinStandardHelpOptions = true, subcommands = {TagCommand.Train.class, TagCommand.Eval.class, TagCommand.Predict.class,
                ExportEmbeddingsCommand.class})
final class TagCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("adam", 2e-3, 5, 20, 200, 0.7);

    static TaggedSentence.Column column(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "upos" -> TaggedSentence.Column.UPOS;
            case "xpos" -> TaggedSentence.Column.XPOS;
            default -> throw new IllegalArgumentException("--column must be upos or xpos, found '" + name + "'");
        };
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train on a CoNLL-U file; validate on --dev, or on --val-fraction of the training sentences.",
                    "Defaults: optimizer adam, lr 0.002, clip 5, 20 epochs unless --minutes, validation every 200 batches and"
                            + " after each epoch, lr × 0.7 after a validation without improvement."})
    static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--data", required = true, paramLabel = "TRAIN", description = "training sentences (CoNLL-U)")
        Path data;
        @Option(names = "--dev", paramLabel = "DEV", description = "validation sentences (CoNLL-U)")
        Path dev;
        @Option(names = "--model", required = true, paramLabel = "OUT", description = "model file to write (.safetensors)")
        Path model;
        @Option(names = "--column", defaultValue = "upos", description = "upos (column 4) or xpos (column 5) (default: ${DEFAULT-VALUE})")
        String column;
        @Option(names = "--val-fraction", defaultValue = "0.1", description = "held out when there is no --dev (default: ${DEFAULT-VALUE})")
        double valFraction;
        @Option(names = "--cell", converter = CellNameConverter.class, defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
        String cell;
        @Option(names = "--hidden", defaultValue = "128", description = "hidden size per direction (default: ${DEFAULT-VALUE})")
        int hidden;
        @Option(names = "--layers", defaultValue = "2", description = "bidirectional levels (default: ${DEFAULT-VALUE})")
        int layers;
        @Option(names = "--word-dim", description = "word embedding size (default: 100, or the dimension of --embeddings)")
        Integer wordDim;
        @Option(names = "--char-dim", defaultValue = "50", description = "character n-gram embedding size (default: ${DEFAULT-VALUE})")
        int charDim;
        @Option(names = "--buckets", defaultValue = "32768", description = "character n-gram hash buckets (default: ${DEFAULT-VALUE})")
        int buckets;
        @Option(names = "--dropout", defaultValue = "0.33", description = "dropout on inputs, between levels and on outputs (default: ${DEFAULT-VALUE})")
        double dropout;
        @Option(names = "--word-dropout", defaultValue = "0.25",
                description = "α: a word seen c times becomes unknown with probability α/(α+c) in training (default: ${DEFAULT-VALUE})")
        double wordDropout;
        @Option(names = "--batch", defaultValue = "32", description = "sentences per batch (default: ${DEFAULT-VALUE})")
        int batch;
        @Mixin
        EmbeddingOptions embeddings;
        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            TaggedSentence.Column col = column(column);
            List<TaggedSentence> train = TaggedSentence.readConllu(data, col), validation;
            if (dev != null) {
                validation = TaggedSentence.readConllu(dev, col);
            } else {
                if (!(valFraction > 0 && valFraction < 1)) {
                    throw new IllegalArgumentException("--val-fraction must be in (0, 1), found " + valFraction);
                }
                List<TaggedSentence> shuffled = new ArrayList<>(train);
                Collections.shuffle(shuffled, new Random(training.seed));
                int held = Math.max(1, (int) Math.round(shuffled.size() * valFraction));
                if (held >= shuffled.size()) {
                    throw new IllegalArgumentException(data + ": " + train.size() + " sentences are too few to hold out " + valFraction);
                }
                train = shuffled.subList(0, shuffled.size() - held);
                validation = shuffled.subList(shuffled.size() - held, shuffled.size());
            }
            SequenceTagger.Config config = new SequenceTagger.Config(CellNames.parse(cell),
                    embeddings.dimension("--word-dim", wordDim, 100), charDim, buckets, hidden, layers,
                    dropout, wordDropout);
            PrintWriter out = spec.commandLine().getOut();
            try (SequenceTagger tagger = SequenceTagger.create(Kernels.preferred(), config, train, training.seed, embeddings.pretrained())) {
                SequenceTaggerTraining task = new SequenceTaggerTraining(tagger, train, validation, batch, training.seed);
                if (tagger.pretrainedReport() != null) {
                    out.println(embeddings.report(tagger.pretrainedReport()));
                }
                out.printf(Locale.ROOT, "%d sentences to train on, %d to validate with; %d tags, %d words; %,d parameters%n",
                        train.size(), validation.size(), tagger.tags().size(), countWords(tagger), tagger.parameters().count());
                TrainingRun.run(task, training.settings(DEFAULTS), model, training.resume, "tagger", out);
            }
            return 0;
        }

        private static int countWords(SequenceTagger t) {
            return (int) t.parameters().entries().get(0).value().rows();
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true, description = "Tag accuracy over the words of a CoNLL-U file: prints 'accuracy: X'.")
    static final class Eval implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn tag train'")
        Path model;
        @Option(names = "--data", required = true, paramLabel = "FILE", description = "tagged sentences (CoNLL-U)")
        Path data;
        @Option(names = "--column", defaultValue = "upos", description = "upos or xpos (default: ${DEFAULT-VALUE})")
        String column;

        @Override
        public Integer call() throws Exception {
            List<TaggedSentence> sentences = TaggedSentence.readConllu(data, column(column));
            try (SequenceTagger t = SequenceTagger.open(Kernels.preferred(), model)) {
                spec.commandLine().getOut().printf(Locale.ROOT, "accuracy: %.4f%n", t.accuracy(sentences));
            }
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = "Tag each TEXT (or each line of standard input; words split at spaces and punctuation), or each sentence"
                    + " of a CoNLL-U file: prints one line of word/TAG pairs per sentence.")
    static final class Predict implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn tag train'")
        Path model;
        @Option(names = "--conllu", paramLabel = "FILE", description = "tag the sentences of this CoNLL-U file (its word forms; tag columns are not read)")
        Path conllu;
        @Parameters(paramLabel = "TEXT", arity = "0..*", description = "sentences to tag (default: standard input, one per line)")
        List<String> texts;

        @Override
        public Integer call() throws Exception {
            List<List<String>> sentences;
            if (conllu != null) {
                if (texts != null && !texts.isEmpty()) {
                    throw new IllegalArgumentException("give either --conllu or texts, not both");
                }
                sentences = TaggedSentence.readConlluWords(conllu);
            } else {
                sentences = new ArrayList<>();
                for (String line : InputLines.of(texts)) {
                    sentences.add(WordTokenizer.words(line));
                }
            }
            try (SequenceTagger t = SequenceTagger.open(Kernels.preferred(), model)) {
                List<List<String>> tags = t.tagAll(sentences);
                PrintWriter out = spec.commandLine().getOut();
                for (int i = 0; i < sentences.size(); i++) {
                    out.println(PredictionLines.tagged(sentences.get(i), tags.get(i)));
                }
            }
            return 0;
        }
    }
}
