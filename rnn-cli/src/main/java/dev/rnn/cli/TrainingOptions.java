package dev.rnn.cli;

import dev.rnn.models.training.TrainingSettings;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The options every {@code train} command shares. Unset options take the task's defaults, which each
 * command states in its help.
 */
final class TrainingOptions {

    /** A task's defaults for the options left unset. */
    record Defaults(String optimizer, double learningRate, double clip, int epochs, int evalEvery, double decay, int patience) {
        Defaults(String optimizer, double learningRate, double clip, int epochs, int evalEvery, double decay) {
            this(optimizer, learningRate, clip, epochs, evalEvery, decay, 0);
        }
    }

    @Option(names = "--minutes", paramLabel = "M", description = "stop after M minutes of training (the best model by validation is kept)")
    Double minutes;

    @Option(names = "--epochs", paramLabel = "N", description = "stop after N epochs (default: the task's, when --minutes is not given)")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed: the same seed repeats a run (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--resume", description = "continue the interrupted run whose checkpoint is beside --model")
    boolean resume;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "adam, rmsprop, adagrad or sgd (momentum 0.9)")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    Double learningRate;

    @Option(names = "--clip", paramLabel = "X", description = "clip gradients to this global L2 norm (0: no clipping)")
    Double clip;

    @Option(names = "--eval-every", paramLabel = "N", description = "validate every N batches (and at the end of each epoch)")
    Integer evalEvery;

    @Option(names = "--lr-decay", paramLabel = "F", description = "multiply the learning rate by F after a validation that does not improve")
    Double decay;

    @Option(names = "--patience", paramLabel = "N", description = "stop once N validations in a row have not improved (0: never early)")
    Integer patience;

    @Option(names = "--on-nonfinite", paramLabel = "stop|skip", defaultValue = "stop",
            description = "on a NaN or infinite loss or gradient: stop (keeping the last good checkpoint) or skip the batch (default: ${DEFAULT-VALUE})")
    String onNonFinite;

    TrainingSettings settings(Defaults d) {
        int e = epochs != null ? epochs : minutes != null ? 0 : d.epochs();
        double m = minutes != null ? minutes : 0;
        TrainingSettings.NonFinitePolicy policy = switch (onNonFinite.toLowerCase(Locale.ROOT)) {
            case "stop" -> TrainingSettings.NonFinitePolicy.STOP;
            case "skip" -> TrainingSettings.NonFinitePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-nonfinite must be stop or skip, found '" + onNonFinite + "'");
        };
        return new TrainingSettings(optimizer != null ? optimizer.toLowerCase(Locale.ROOT) : d.optimizer(),
                learningRate != null ? learningRate : d.learningRate(), clip != null ? clip : d.clip(), e, m,
                evalEvery != null ? evalEvery : d.evalEvery(), decay != null ? decay : d.decay(), policy,
                patience != null ? patience : d.patience());
    }
}
