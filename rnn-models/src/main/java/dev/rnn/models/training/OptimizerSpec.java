package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;

/**
 * Which optimizer trains and its hyper-parameters besides the learning rate (which the trainer and
 * its schedule own): an immutable value, so one spec can make the optimizer of every run. Build one
 * with the records below or with {@link #named(String)} for a name's defaults; {@link #create}
 * binds it to parameters.
 */
public sealed interface OptimizerSpec extends OptimizerFactory {

    /** The names {@link #named} accepts, as the command line spells them. */
    List<String> NAMES = List.of("sgd", "adagrad", "rmsprop", "adam", "adamw");

    /** AdamW's decoupled weight decay when none is given (PyTorch's default). */
    double DEFAULT_WEIGHT_DECAY = 0.01;

    /** SGD with momentum μ ∈ [0, 1) (0: plain SGD), Nesterov's variant when asked (needs μ > 0). */
    record Sgd(double momentum, boolean nesterov) implements OptimizerSpec {
        public Sgd {
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), found " + momentum);
            }
            if (nesterov && momentum == 0) {
                throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
            }
        }
    }

    /** Adagrad (ε 1e-10). */
    record Adagrad() implements OptimizerSpec {
    }

    /** RMSprop with smoothing α ∈ (0, 1) (ε 1e-8). */
    record RmsProp(double alpha) implements OptimizerSpec {
        public RmsProp {
            if (!(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException("alpha must be in (0, 1), found " + alpha);
            }
        }
    }

    /** Adam with betas and ε, without weight decay (an L2 penalty belongs in {@link Regularization}). */
    record Adam(double beta1, double beta2, double eps) implements OptimizerSpec {
        public Adam {
            checkAdam(beta1, beta2, eps);
        }
    }

    /** AdamW: Adam whose weight decay λ > 0 shrinks the parameters directly, p ← p·(1 − lr·λ), apart from the gradient. */
    record AdamW(double beta1, double beta2, double eps, double weightDecay) implements OptimizerSpec {
        public AdamW {
            checkAdam(beta1, beta2, eps);
            if (!(weightDecay > 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("AdamW's weight decay must be > 0, found " + weightDecay);
            }
        }
    }

    /** The name {@link #named} gives for this kind. */
    default String name() {
        return switch (this) {
            case Sgd s -> "sgd";
            case Adagrad a -> "adagrad";
            case RmsProp r -> "rmsprop";
            case Adam a -> "adam";
            case AdamW a -> "adamw";
        };
    }

    /**
     * The optimizer of that name with its defaults: SGD with momentum 0.9, Adagrad, RMSprop with
     * α 0.99, Adam and AdamW with β (0.9, 0.999), ε 1e-8, AdamW's weight decay {@value #DEFAULT_WEIGHT_DECAY}.
     */
    static OptimizerSpec named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new Sgd(0.9, false);
            case "adagrad" -> new Adagrad();
            case "rmsprop" -> new RmsProp(0.99);
            case "adam" -> new Adam(0.9, 0.999, 1e-8);
            case "adamw" -> new AdamW(0.9, 0.999, 1e-8, DEFAULT_WEIGHT_DECAY);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "', expected one of " + NAMES);
        };
    }

    /** An optimizer updating {@code params} from {@code grads} (same order and shapes), its state allocated in {@code arena}. */
    @Override
    default Optimizer create(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        return Optimizers.create(this, kernels, arena, params, grads, learningRate);
    }

    private static void checkAdam(double beta1, double beta2, double eps) {
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), found " + beta1 + " and " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be > 0, found " + eps);
        }
    }
}
