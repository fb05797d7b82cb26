package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.text.TextPair;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn demo}: the job a new user runs first. Generates date-normalisation pairs (dates written
 * in many human formats → ISO 8601), trains the attention encoder-decoder on them with the
 * {@code seq2seq} defaults, shows a few translations, and scores freshly generated dates, ending with
 * {@code exact-match: X}. The model, its training curve, an attention heatmap and the test pairs go
 * into a folder it names.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Teach an encoder-decoder with attention to normalise dates ('Tue, 3 Mar 2021' → 2021-03-03), in a few minutes.",
                "Writes the model, its curve, an attention heatmap and test pairs into --dir."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "rnn-demo", paramLabel = "DIR", description = "output folder (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--pairs", defaultValue = "20000", paramLabel = "N", description = "generated training pairs (default: ${DEFAULT-VALUE})")
    int pairs;

    @Option(names = "--minutes", defaultValue = "3", paramLabel = "M", description = "training budget (default: ${DEFAULT-VALUE})")
    double minutes;

    @Option(names = "--epochs", defaultValue = "4", paramLabel = "N", description = "at most this many epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (pairs < 100) {
            throw new IllegalArgumentException("--pairs must be at least 100, found " + pairs);
        }
        if (!(minutes > 0) || epochs < 1) {
            throw new IllegalArgumentException("--minutes must be > 0 and --epochs ≥ 1, found " + minutes + " and " + epochs);
        }
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(dir);
        List<TextPair> train = DatePairs.generate(pairs, seed);
        List<TextPair> validation = DatePairs.generate(Math.max(200, pairs / 10), seed + 1);
        List<TextPair> test = DatePairs.generate(1000, seed + 2);
        out.println("rnn demo: an LSTM encoder-decoder with attention learns to normalise dates written "
                + DatePairs.FORMATS.size() + " ways, for example:");
        for (int i = 0; i < 4; i++) {
            out.printf("  %-28s → %s%n", train.get(i).source(), train.get(i).target());
        }
        out.printf(Locale.ROOT, "%d generated training pairs, at most %s minutes (kernels: %s)%n", pairs, minutes, Kernels.preferred().name());
        TrainingOptions t = new TrainingOptions();
        t.minutes = minutes;
        t.epochs = epochs;
        t.seed = seed;
        t.onNonFinite = "stop";
        Path model = dir.resolve("dates.safetensors");
        Seq2SeqCommand.train(train, validation, new Seq2SeqCommand.ModelOptions(), t, model, "date normalisation", out);
        Path testFile = dir.resolve("test-pairs.txt");
        StringBuilder lines = new StringBuilder();
        for (TextPair p : test) {
            lines.append(p.source()).append('\t').append(p.target()).append('\n');
        }
        Files.writeString(testFile, lines);
        try (Seq2SeqModel m = Seq2SeqModel.open(Kernels.preferred(), model)) {
            out.println("translations of dates it has not seen:");
            List<TextPair> shown = test.subList(0, 8);
            List<String> got = m.translateAll(shown.stream().map(TextPair::source).toList(), 1);
            for (int i = 0; i < shown.size(); i++) {
                out.printf("  %-28s → %s %s%n", shown.get(i).source(), got.get(i), got.get(i).equals(shown.get(i).target()) ? "✓" : "✗ (" + shown.get(i).target() + ")");
            }
            Path heatmap = dir.resolve("attention.png");
            Seq2SeqModel.Attended a = m.translateWithAttention(shown.get(0).source());
            AttentionPlot.write(heatmap, a.sourceTokens(), a.outputTokens(), a.weights());
            double exact = m.exactMatch(test, 1);
            out.println("wrote " + model + " (model), " + dir.resolve("dates.png") + " (training curve), " + heatmap
                    + " (attention of the first example), " + testFile + " (the 1000 test pairs)");
            out.println("try: ./rnn seq2seq translate --model " + model + " \"July 4th, 1976\" \"12/25/99\" --attention-png " + dir.resolve("july.png"));
            out.println("     ./rnn seq2seq eval --model " + model + " --pairs " + testFile + " --beam 4");
            out.printf(Locale.ROOT, "exact-match: %.4f%n", exact);
        }
        return 0;
    }
}
