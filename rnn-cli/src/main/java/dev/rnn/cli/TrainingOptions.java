package dev.rnn.cli;

import dev.rnn.models.training.LearningRateSchedule;
import dev.rnn.models.training.OptimizerSpec;
import dev.rnn.models.training.Regularization;
import dev.rnn.models.training.TrainingSettings;
import dev.rnn.models.training.TruncatedBptt;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every {@code train} command shares. Unset options take the task's defaults, which each
 * command states in its help. A value out of range, or an option the chosen optimizer or task does
 * not take, is a usage error naming the option.
 */
final class TrainingOptions {

    /** A task's defaults for the options left unset, and whether it trains on streams cut for truncated BPTT. */
    record Defaults(String optimizer, double learningRate, double clip, int epochs, int evalEvery, double decay, int patience,
                    boolean truncatedBptt) {
        Defaults(String optimizer, double learningRate, double clip, int epochs, int evalEvery, double decay, int patience) {
            this(optimizer, learningRate, clip, epochs, evalEvery, decay, patience, false);
        }

        Defaults(String optimizer, double learningRate, double clip, int epochs, int evalEvery, double decay) {
            this(optimizer, learningRate, clip, epochs, evalEvery, decay, 0);
        }
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;      // null when a command builds these options itself (rnn demo)

    @Option(names = "--minutes", paramLabel = "M", description = "stop after M minutes of training (the best model by validation is kept)")
    Double minutes;

    @Option(names = "--epochs", paramLabel = "N", description = "stop after N epochs (default: the task's, when --minutes is not given)")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed: the same seed repeats a run (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--resume", description = "continue the interrupted run whose checkpoint is beside --model")
    boolean resume;

    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "sgd, adagrad, rmsprop, adam or adamw (Adam with decoupled weight decay)")
    String optimizer;

    @Option(names = "--momentum", paramLabel = "X", description = "sgd: momentum in [0, 1) (default 0.9; 0: plain SGD)")
    Double momentum;

    @Option(names = "--nesterov", description = "sgd: Nesterov momentum")
    boolean nesterov;

    @Option(names = "--weight-decay", paramLabel = "X",
            description = "adamw: decoupled weight decay, each update shrinks the weights by lr·X (default 0.01); for a penalty in the loss use --l2")
    Double weightDecay;

    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    Double learningRate;

    @Option(names = "--lr-schedule", paramLabel = "KIND",
            description = "constant, step (× --lr-decay every --lr-step updates), cosine (down to --lr-min at the last update;"
                    + " needs --epochs) or plateau (× --lr-decay after a validation that does not improve; the default)")
    String schedule;

    @Option(names = "--warmup", paramLabel = "N", description = "raise the learning rate linearly over the first N updates (default 0)")
    Integer warmup;

    @Option(names = "--lr-step", paramLabel = "N", description = "step schedule: updates between decays (default: one epoch)")
    Integer lrStep;

    @Option(names = "--lr-min", paramLabel = "X", description = "cosine schedule: the rate at the last update (default 0)")
    Double lrMin;

    @Option(names = "--lr-decay", paramLabel = "F", description = "the factor of the plateau and step schedules")
    Double decay;

    @Option(names = "--clip", paramLabel = "X", description = "clip gradients to this global L2 norm (0: no clipping)")
    Double clip;

    @Option(names = "--clip-value", paramLabel = "X", description = "clamp every gradient element to [−X, X] before --clip (default: none)")
    Double clipValue;

    @Option(names = "--l1", paramLabel = "X", description = "add X·Σ|w| over all weights to the loss (shown apart as the penalty)")
    Double l1;

    @Option(names = "--l2", paramLabel = "X", description = "add X/2·Σw² over all weights to the loss (shown apart as the penalty)")
    Double l2;

    @Option(names = "--bptt", paramLabel = "K1[,K2]",
            description = "lm: truncated BPTT, K1 steps forward between updates (the batch's steps, instead of --seq-len),"
                    + " back-propagating through the last K2 ≤ K1 of them (default K2 = K1)")
    String bptt;

    @Option(names = "--eval-every", paramLabel = "N", description = "validate every N batches (and at the end of each epoch)")
    Integer evalEvery;

    @Option(names = "--patience", paramLabel = "N", description = "stop once N validations in a row have not improved (0: never early)")
    Integer patience;

    @Option(names = "--on-nonfinite", paramLabel = "stop|skip", defaultValue = "stop",
            description = "on a NaN or infinite loss or gradient: stop (keeping the last good checkpoint) or skip the batch (default: ${DEFAULT-VALUE})")
    String onNonFinite;

    TrainingSettings settings(Defaults d) {
        if (bptt != null && !d.truncatedBptt()) {
            throw usage("--bptt applies to 'lm train' only: this task back-propagates through whole sequences");
        }
        int e = epochs != null ? epochs : minutes != null ? 0 : d.epochs();
        double m = minutes != null ? minutes : 0;
        TrainingSettings.NonFinitePolicy policy = switch (onNonFinite.toLowerCase(Locale.ROOT)) {
            case "stop" -> TrainingSettings.NonFinitePolicy.STOP;
            case "skip" -> TrainingSettings.NonFinitePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-nonfinite must be stop or skip, found '" + onNonFinite + "'");
        };
        double rate = learningRate != null ? learningRate : d.learningRate();
        LearningRateSchedule.Setting lrSchedule = schedule(e, rate);
        return new TrainingSettings(optimizerSpec(d), rate, clip != null ? clip : d.clip(), e, m,
                evalEvery != null ? evalEvery : d.evalEvery(), decay != null ? decay : d.decay(), policy,
                patience != null ? patience : d.patience(), regularization(), clipValue(), lrSchedule);
    }

    /** The truncated BPTT lengths: {@code --bptt}, else k1 = k2 = {@code seqLen}; {@code seqLenGiven}: whether --seq-len was on the line. */
    TruncatedBptt.Lengths truncatedBptt(int seqLen, boolean seqLenGiven) {
        if (bptt == null) {
            return TruncatedBptt.Lengths.of(seqLen);
        }
        TruncatedBptt.Lengths lengths;
        try {
            lengths = TruncatedBptt.Lengths.parse(bptt);
        } catch (IllegalArgumentException ex) {
            throw usage("--bptt: " + ex.getMessage());
        }
        if (seqLenGiven && lengths.k1() != seqLen) {
            throw usage("--bptt K1 " + lengths.k1() + " and --seq-len " + seqLen + " disagree: both are the steps per batch; give one");
        }
        return lengths;
    }

    private OptimizerSpec optimizerSpec(Defaults d) {
        String name = (optimizer != null ? optimizer : d.optimizer()).toLowerCase(Locale.ROOT);
        if (!OptimizerSpec.NAMES.contains(name)) {
            throw usage("--optimizer must be one of " + String.join(", ", OptimizerSpec.NAMES) + ", found '" + optimizer + "'");
        }
        List<String> sgdOnly = new ArrayList<>();
        if (momentum != null) {
            sgdOnly.add("--momentum");
        }
        if (nesterov) {
            sgdOnly.add("--nesterov");
        }
        if (!name.equals("sgd") && !sgdOnly.isEmpty()) {
            throw usage(String.join(" and ", sgdOnly) + " apply to --optimizer sgd, not " + name);
        }
        if (weightDecay != null && !name.equals("adamw")) {
            throw usage("--weight-decay is AdamW's decoupled decay; --optimizer " + name
                    + " does not take it (use --optimizer adamw, or --l2 for a penalty in the loss)");
        }
        return switch (name) {
            case "sgd" -> {
                double mu = momentum != null ? momentum : 0.9;
                if (!(mu >= 0 && mu < 1)) {
                    throw usage("--momentum must be in [0, 1), found " + momentum);
                }
                if (nesterov && mu == 0) {
                    throw usage("--nesterov needs --momentum > 0");
                }
                yield new OptimizerSpec.Sgd(mu, nesterov);
            }
            case "adamw" -> {
                double lambda = weightDecay != null ? weightDecay : OptimizerSpec.DEFAULT_WEIGHT_DECAY;
                if (!(lambda > 0) || Double.isInfinite(lambda)) {
                    throw usage("--weight-decay must be > 0, found " + weightDecay + " (for none, use --optimizer adam)");
                }
                OptimizerSpec.AdamW defaults = (OptimizerSpec.AdamW) OptimizerSpec.named("adamw");
                yield new OptimizerSpec.AdamW(defaults.beta1(), defaults.beta2(), defaults.eps(), lambda);
            }
            default -> OptimizerSpec.named(name);
        };
    }

    private Regularization regularization() {
        double a = nonNegative("--l1", l1), b = nonNegative("--l2", l2);
        return a == 0 && b == 0 ? Regularization.NONE : new Regularization(a, b);
    }

    private double clipValue() {
        if (clipValue != null && !(clipValue > 0)) {
            throw usage("--clip-value must be > 0, found " + clipValue);
        }
        return clipValue != null ? clipValue : 0;
    }

    private LearningRateSchedule.Setting schedule(int epochBudget, double rate) {
        LearningRateSchedule.Kind kind;
        try {
            kind = schedule == null ? LearningRateSchedule.Kind.PLATEAU : LearningRateSchedule.Kind.parse(schedule);
        } catch (IllegalArgumentException ex) {
            throw usage("--lr-schedule must be constant, step, cosine or plateau, found '" + schedule + "'");
        }
        if (lrStep != null && kind != LearningRateSchedule.Kind.STEP) {
            throw usage("--lr-step applies to --lr-schedule step, not " + kind.label());
        }
        if (lrMin != null && kind != LearningRateSchedule.Kind.COSINE) {
            throw usage("--lr-min applies to --lr-schedule cosine, not " + kind.label());
        }
        if (decay != null && (kind == LearningRateSchedule.Kind.CONSTANT || kind == LearningRateSchedule.Kind.COSINE)) {
            throw usage("--lr-decay applies to --lr-schedule step and plateau, not " + kind.label());
        }
        if (decay != null && !(decay > 0 && decay <= 1)) {
            throw usage("--lr-decay must be in (0, 1], found " + decay);
        }
        if (warmup != null && warmup < 0) {
            throw usage("--warmup must be ≥ 0 updates, found " + warmup);
        }
        if (lrStep != null && lrStep < 1) {
            throw usage("--lr-step must be ≥ 1 update, found " + lrStep);
        }
        double floor = nonNegative("--lr-min", lrMin);
        if (kind == LearningRateSchedule.Kind.COSINE && epochBudget == 0) {
            throw usage("--lr-schedule cosine needs --epochs, to know where the run ends");
        }
        if (floor > rate) {
            throw usage("--lr-min " + floor + " is above the learning rate " + rate);
        }
        return new LearningRateSchedule.Setting(kind, warmup != null ? warmup : 0, lrStep != null ? lrStep : 0, floor);
    }

    private double nonNegative(String option, Double value) {
        if (value == null) {
            return 0;
        }
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw usage(option + " must be a finite number ≥ 0, found " + value);
        }
        return value;
    }

    /** A usage error (exit 2) naming the option, or, for options a command built itself, an IllegalArgumentException. */
    private RuntimeException usage(String message) {
        return command == null ? new IllegalArgumentException(message) : new CommandLine.ParameterException(command.commandLine(), message);
    }

    /** One line saying how the run trains: optimizer, rate and schedule, clipping and penalty. */
    static String summary(TrainingSettings s) {
        StringBuilder b = new StringBuilder("training with ").append(switch (s.optimizer()) {
            case OptimizerSpec.Sgd sgd -> sgd.momentum() == 0 ? "sgd"
                    : String.format(Locale.ROOT, "sgd (%smomentum %s)", sgd.nesterov() ? "Nesterov " : "", number(sgd.momentum()));
            case OptimizerSpec.AdamW w -> "adamw (weight decay " + number(w.weightDecay()) + ")";
            default -> s.optimizer().name();
        });
        LearningRateSchedule.Setting r = s.schedule();
        b.append(", lr ").append(number(s.learningRate())).append(' ').append(r.kind().label());
        switch (r.kind()) {
            case STEP -> b.append(" × ").append(number(s.decay())).append(" every ")
                    .append(r.every() > 0 ? r.every() + " updates" : "epoch");
            case COSINE -> b.append(" to ").append(number(r.floor()));
            case PLATEAU -> b.append(" × ").append(number(s.decay()));
            default -> { }
        }
        if (r.warmup() > 0) {
            b.append(" after ").append(r.warmup()).append(" warm-up updates");
        }
        b.append(s.clipNorm() > 0 ? ", clip norm " + number(s.clipNorm()) : ", no norm clipping");
        if (s.clipValue() > 0) {
            b.append(", clip value ").append(number(s.clipValue()));
        }
        if (s.regularization().l1() > 0) {
            b.append(", L1 ").append(number(s.regularization().l1()));
        }
        if (s.regularization().l2() > 0) {
            b.append(", L2 ").append(number(s.regularization().l2()));
        }
        return b.toString();
    }

    private static String number(double x) {
        return BigDecimal.valueOf(x).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
