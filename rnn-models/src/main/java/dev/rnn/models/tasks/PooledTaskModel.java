package dev.rnn.models.tasks;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every task model this project trains is made of: an architecture ({@code C}), parameters in
 * an arena the model owns (allocated, or mapped from its file by {@link ModelMetadata#load}), and
 * runners ({@code R}: per-call layers and buffers) lent to its inference calls by a
 * {@link RunnerPool}, plus one kept for training. Thread safety as {@link TaskModel} states:
 * inference from any number of threads; training, on one thread, not beside it.
 */
abstract class PooledTaskModel<C, R extends RunnerPool.Lendable> implements AutoCloseable {

    final Kernels kernels;
    final C config;
    final ParameterSet parameters;
    private final String task;
    private final Arena arena;
    // inference runners, lent one per call so that threads share the model
    final RunnerPool<R> runners;
    private R trainingRunner;

    PooledTaskModel(String task, Kernels kernels, C config, Arena arena, ParameterSet parameters) {
        this.task = task;
        this.kernels = kernels;
        this.config = config;
        this.arena = arena;
        this.parameters = parameters;
        this.runners = new RunnerPool<>(getClass().getSimpleName(), RunnerPool.DEFAULT_IDLE, this::newRunner);
    }

    /** A runner for {@code batch} rows and at least {@code steps} steps, for the pool. */
    abstract R newRunner(int batch, int steps);

    /** A runner for training with exactly these sizes; the pool's by default. */
    R newTrainingRunner(int batch, int steps) {
        return newRunner(batch, steps);
    }

    /** What an inference call does with the runner lent to it. */
    interface RunnerCall<R, T> {
        T run(R runner);
    }

    /**
     * Runs {@code call} on a runner lent for {@code batch} rows and at least {@code steps} steps, and
     * gives the runner back, failed or not; a failure because the model was closed during the call
     * says so. One lambda per batch of an inference call, which allocates its results anyway.
     */
    final <T> T withRunner(int batch, int steps, RunnerCall<R, T> call) {
        R runner = runners.borrow(batch, steps);
        try {
            return call.run(runner);
        } catch (IllegalStateException e) {
            throw runners.failure(e);
        } finally {
            runners.giveBack(runner);
        }
    }

    /** Whether the model has gradients to train (false when opened for inference only). */
    public final boolean trainable() {
        return parameters.hasGradients();
    }

    public final C config() {
        return config;
    }

    /** The trainable tensors, named as in the model file. */
    public final ParameterSet parameters() {
        return parameters;
    }

    /** The {@code task} metadata value of this kind of model. */
    public final String task() {
        return task;
    }

    /** A new metadata map that starts with the model's task. */
    final Map<String, String> taskMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelMetadata.TASK, task);
        return m;
    }

    /**
     * The training runner for {@code batch} rows that holds {@code steps} steps: the last one while it
     * has this batch and enough steps, else a new one (with the old one's steps if more); one thread.
     * Inference does not use it.
     */
    final R trainingRunner(int batch, int steps) {
        R runner = trainingRunner;
        if (runner == null || runner.batch() != batch || runner.steps() < steps) {
            int keep = runner == null || runner.batch() != batch ? 0 : runner.steps();
            if (runner != null) {
                runner.close();
            }
            runner = trainingRunner = newTrainingRunner(batch, Math.max(steps, keep));
        }
        return runner;
    }

    /**
     * Frees the weights and the runners; later calls fail with an IllegalStateException, and a call
     * still running may. Closing again does nothing.
     */
    @Override
    public final void close() {
        if (runners.shutDown()) {
            if (trainingRunner != null) {
                trainingRunner.close();
                trainingRunner = null;
            }
            arena.close();
        }
    }
}
