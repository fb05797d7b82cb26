package dev.rnn.cli;

import dev.rnn.models.tasks.ModelFiles;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.serve.RnnServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn serve}: the HTTP service over model files until the process is told to stop (SIGTERM,
 * SIGINT): then it stops accepting, lets requests in flight finish, closes the models and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve models over HTTP with JSON routes (see docs/serving.md) until SIGTERM or Ctrl-C, which finish"
                + " the requests in flight and exit 0."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME=FILE",
            description = "a model file served under NAME (letters, digits, '.', '_', '-'); repeat for several. Without it,"
                    + " every model in --models-dir is served under its file name")
    List<String> models;
    @Option(names = "--models-dir", defaultValue = "rnn-demo", paramLabel = "DIR",
            description = "where to find models when no --model is given (default: ${DEFAULT-VALUE}, what 'rnn demo' writes)")
    Path modelsDir;
    @Option(names = "--port", defaultValue = "8080", description = "port to listen on, 0 for a free one (default: ${DEFAULT-VALUE})")
    int port;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}, this machine only)")
    String host;
    @Option(names = "--no-warm-up", description = "answer at once, cold: without it the language models are warmed up first"
            + " (seconds; readiness is DOWN until then), so that the first requests are not many times slower than the rest")
    boolean noWarmUp;
    @Option(names = "--max-body-bytes", defaultValue = "1048576", paramLabel = "N",
            description = "largest request body; a larger one is refused from its Content-Length (default: ${DEFAULT-VALUE})")
    int maxBodyBytes;
    @Option(names = "--max-text-length", defaultValue = "10000", paramLabel = "N",
            description = "most characters in a text, prefix, CSV window or word list (default: ${DEFAULT-VALUE})")
    int maxTextLength;
    @Option(names = "--max-beam-width", defaultValue = "16", paramLabel = "N",
            description = "widest beam, and most continuations, a request may ask for (default: ${DEFAULT-VALUE})")
    int maxBeamWidth;
    @Option(names = "--max-completion-length", defaultValue = "1000", paramLabel = "N",
            description = "most characters a completion or a generation may ask for (default: ${DEFAULT-VALUE})")
    int maxCompletionLength;
    @Option(names = "--max-streams", defaultValue = "1000", paramLabel = "N",
            description = "language-model streams kept open; the least recently used one closes to open another (default: ${DEFAULT-VALUE})")
    int maxStreams;
    @Option(names = "--stream-idle-timeout", defaultValue = "10m", paramLabel = "TIME", converter = DurationConverter.class,
            description = "a stream unused this long closes: a number with ms, s, m or h, or ISO-8601 such as PT10M (default: ${DEFAULT-VALUE})")
    Duration streamIdleTimeout;

    /** "500ms", "90s", "10m", "2h", or ISO-8601 ("PT10M"). */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        private static final java.util.regex.Pattern SHORT = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            java.util.regex.Matcher m = SHORT.matcher(value.strip());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            try {
                return Duration.parse(value.strip());
            } catch (java.time.format.DateTimeParseException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a duration: write a number with ms, s, m"
                        + " or h (10m), or ISO-8601 (PT10M)");
            }
        }
    }

    /** The limits the flags give (their defaults are {@link RnnServer.Limits#defaults()}). */
    RnnServer.Limits limits() {
        return new RnnServer.Limits(maxBodyBytes, maxTextLength, maxBeamWidth, maxCompletionLength, maxStreams, streamIdleTimeout);
    }

    @Override
    public Integer call() throws Exception {
        Map<String, Path> files = new LinkedHashMap<>();
        if (models == null || models.isEmpty()) {
            files = modelsIn(modelsDir);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no --model given and no *.safetensors models in " + modelsDir
                        + ": run './rnn demo' first, or pass --model NAME=FILE");
            }
        }
        for (String m : models == null ? List.<String>of() : models) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--model takes NAME=FILE, found '" + m + "'");
            }
            if (files.putIfAbsent(m.substring(0, eq), Path.of(m.substring(eq + 1))) != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--model name '" + m.substring(0, eq) + "' is given twice");
            }
        }
        List<TaskModel> opened = new ArrayList<>();
        try {
            RnnServer.Builder builder = RnnServer.builder().host(host).port(port).limits(limits()).warmUp(!noWarmUp);
            for (Map.Entry<String, Path> e : files.entrySet()) {
                TaskModel model = ModelFiles.open(e.getValue());   // a bad file is a SafetensorsException naming it
                opened.add(model);
                builder.model(e.getKey(), model);
            }
            RnnServer server = builder.build().start();
            PrintWriter out = spec.commandLine().getOut();
            CountDownLatch modelsClosed = new CountDownLatch(1);
            // SIGTERM and Ctrl-C run the shutdown hooks: the server stops gracefully there, this thread wakes and
            // closes the models, and the hook ends the JVM with 0, since the stop went as asked (the JVM's own
            // exit code after a signal is 128 + its number)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                try {
                    modelsClosed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.flush();
                Runtime.getRuntime().halt(0);
            }, "rnn-serve-shutdown"));
            out.printf("serving %s on http://%s:%d%n", String.join(", ", files.keySet()), host, server.port());
            out.flush();
            server.awaitStop();
            closeAll(opened);
            out.println("stopped");
            out.flush();
            modelsClosed.countDown();
            return 0;
        } catch (Exception | Error e) {
            closeAll(opened);
            throw e;
        }
    }

    private static final String CHECKPOINT = dev.rnn.models.training.Checkpoint.pathFor(Path.of("x.safetensors")).getFileName().toString()
            .substring(1);

    /**
     * The {@code *.safetensors} files directly in {@code dir} but training checkpoints, by name without the extension,
     * sorted; none when dir is absent.
     */
    static Map<String, Path> modelsIn(Path dir) throws java.io.IOException {
        Map<String, Path> found = new java.util.TreeMap<>();
        if (!java.nio.file.Files.isDirectory(dir)) {
            return found;
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                // a training checkpoint beside its model is no model to serve
                if (name.endsWith(".safetensors") && name.length() > ".safetensors".length() && !name.endsWith(CHECKPOINT)
                        && java.nio.file.Files.isRegularFile(f)) {
                    found.put(name.substring(0, name.length() - ".safetensors".length()), f);
                }
            }
        }
        return new LinkedHashMap<>(found);
    }

    private static void closeAll(List<TaskModel> models) {
        for (TaskModel m : models) {
            m.close();
        }
    }
}
