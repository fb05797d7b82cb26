package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training loop every task shares: epochs of batches, gradient clipping and an optimizer step
 * per batch, validation every few batches, the best model by validation kept, and a checkpoint after
 * every validation and when training ends, from which {@code resume} continues exactly where it stood
 * (same parameters, optimizer state, learning rate, data order and dropout masks).
 *
 * <p>The task holds the model and its data, in memory. Where the best model and the checkpoints go is
 * a {@link TrainingSink}: {@link #run(Path, boolean)} writes them as files ({@link TrainingSink#files});
 * {@link #run()} takes none and writes nothing, and the model then ends holding the weights of its best
 * validation (with a sink it ends holding the last ones, and the sink has the best).
 *
 * <pre>{@code
 * Trainer.Result r = new Trainer(kernels, task, settings, OptimizerFactory.named("adam"), listener).run();
 * }</pre>
 *
 * <p>Training ends at the first of: the epoch budget, the time budget (training time, summed over
 * resumed runs), or {@link #requestStop()} (for Ctrl-C, from any thread), which writes a checkpoint
 * and returns promptly. Not otherwise thread-safe.
 */
public final class Trainer {

    /** How training ended: the best validation, where it stopped, and the whole validation history. */
    public record Result(TrainingTask.Evaluation best, int epoch, long steps, double seconds, boolean stopped,
                         List<TrainingListener.Point> history) {
    }

    private final Kernels kernels;
    private final TrainingTask task;
    private final TrainingSettings settings;
    private final OptimizerFactory optimizers;
    private final TrainingListener listener;
    private volatile boolean stopRequested;

    /** A trainer with the optimizer {@code settings} specifies. */
    public Trainer(Kernels kernels, TrainingTask task, TrainingSettings settings, TrainingListener listener) {
        this(kernels, task, settings, settings.optimizer(), listener);
    }

    /** A trainer whose optimizer {@code optimizers} makes (the optimizer in {@code settings} is then not used); {@code listener} may be null. */
    public Trainer(Kernels kernels, TrainingTask task, TrainingSettings settings, OptimizerFactory optimizers,
                   TrainingListener listener) {
        this.kernels = kernels;
        this.task = task;
        this.settings = settings;
        this.optimizers = optimizers;
        this.listener = listener == null ? new TrainingListener() { } : listener;
    }

    /** Asks the loop to write a checkpoint and return after the current batch. */
    public void requestStop() {
        stopRequested = true;
    }

    /** Trains in memory, writing nothing; the model ends holding the weights of its best validation. */
    public Result run() throws IOException {
        return run((TrainingSink) null, false);
    }

    /**
     * Trains, saving the best model to {@code model} (with the task's metadata and
     * {@code training.*} figures) and checkpoints beside it; with {@code resume}, continues from the
     * checkpoint, which must exist.
     */
    public Result run(Path model, boolean resume) throws IOException {
        return run(TrainingSink.files(model), resume);
    }

    /**
     * Trains, giving the best model and the checkpoints to {@code sink} (null: none, nothing is written);
     * with {@code resume}, continues from the sink's checkpoint, which must exist.
     */
    public Result run(TrainingSink sink, boolean resume) throws IOException {
        if (resume && sink == null) {
            throw new IllegalArgumentException("resuming needs a sink that holds the checkpoint to resume from");
        }
        ParameterSet params = task.parameters();
        Map<String, String> metadata = new LinkedHashMap<>(task.metadata());
        if (!params.frozen().isEmpty()) {
            metadata.put("training.frozen", String.join(",", params.frozen()));   // a resumed run must freeze the same
        }
        if (optimizers instanceof OptimizerSpec spec) {
            metadata.put("training.optimizer", spec.toString());   // and update the same way: its state is that optimizer's
        }
        Run run = new Run(sink, params, metadata);
        try (Arena arena = Arena.ofShared()) {
            Optimizer optimizer = optimizers.create(kernels, arena, params.trainableValues(), params.trainableGradients(),
                    settings.learningRate());
            int epoch = 0, batch = 0;
            long step = 0;
            double before = 0, best = Double.NEGATIVE_INFINITY, lossSum = 0;
            long lossUnits = 0;
            List<TrainingListener.Point> history = new ArrayList<>();
            if (resume) {
                Path checkpoint = sink.checkpoint();
                if (!Files.exists(checkpoint)) {
                    throw new TrainingException(checkpoint + ": no checkpoint to resume from");
                }
                Checkpoint.Position p = Checkpoint.read(checkpoint, params, optimizer, metadata);
                optimizer.restore(p.optimizerSteps());
                optimizer.setLearningRate(p.learningRate());
                epoch = p.epoch();
                batch = p.batch();
                step = p.step();
                before = p.seconds();
                best = p.bestScore();
                lossSum = p.lossSum();
                lossUnits = p.lossUnits();
                history.addAll(p.history());
                listener.message(String.format(Locale.ROOT, "resuming from %s: epoch %d, batch %d, %.0f s trained", checkpoint,
                        epoch + 1, batch, before));
            }
            int perEpoch = task.batchesPerEpoch();
            LearningRateSchedule rates = settings.schedule().schedule(settings.learningRate(), settings.decay(), perEpoch,
                    (long) settings.epochs() * perEpoch);
            if (batch > 0) {
                task.startEpoch(epoch);                               // the epoch's data order, then its carried state
                Checkpoint.readCarried(sink.checkpoint(), task.carriedState());
            }
            long doneAtStart = (long) epoch * perEpoch + batch;
            long start = System.nanoTime();
            long windowStart = start, windowUnits = 0;
            double unitsPerSecond = Double.NaN;
            int sinceValidation = batch % settings.evalEvery();
            boolean stopped = false, outOfTime = false, exhausted = withoutImprovement(history) >= settings.patience()
                    && settings.patience() > 0;
            listener.started(epoch, batch, perEpoch, task.unit());
            if (!resume && task.validatesStart()) {
                // the starting point is a candidate like any epoch: training that only makes it worse keeps it
                best = validate(run, optimizer, 0, 0, perEpoch, 0, 0, best, Double.NaN, history);
            }
            while ((settings.epochs() == 0 || epoch < settings.epochs()) && !outOfTime && !exhausted) {
                if (batch == 0) {
                    task.startEpoch(epoch);
                }
                while (batch < perEpoch) {
                    params.zeroGradients();
                    TrainingTask.BatchLoss loss = task.trainBatch(batch, step);
                    double penalty = penalize(params);
                    double norm = settings.clipNorm() > 0
                            ? GradientClipping.clipByGlobalNorm(kernels, params.trainableGradients(), settings.clipNorm())
                            : GradientClipping.globalNorm(kernels, params.trainableGradients());
                    if (!Double.isFinite(loss.loss()) || !Double.isFinite(norm) || !Double.isFinite(penalty)) {
                        String what = !Double.isFinite(loss.loss()) ? "loss " + loss.loss()
                                : !Double.isFinite(penalty) ? "penalty " + penalty : "gradient norm " + norm;
                        String first = params.firstNonFinite();
                        String where = String.format(Locale.ROOT, "epoch %d, step %d: non-finite %s%s", epoch + 1, step + 1, what,
                                first == null ? "" : " (first offending: " + first + ")");
                        if (settings.onNonFinite() == TrainingSettings.NonFinitePolicy.STOP) {
                            throw new TrainingException(where + "; stopped, the last good checkpoint is " + (sink == null
                                    ? "none (training without a sink keeps none)"
                                    : Files.exists(sink.checkpoint()) ? sink.checkpoint() : "none (none was written yet)"));
                        }
                        listener.message(where + "; batch skipped");
                    } else {
                        stepAtScheduledRate(optimizer, rates, step);
                        lossSum += loss.loss() * loss.units();
                        lossUnits += loss.units();
                    }
                    step++;
                    batch++;
                    sinceValidation++;
                    windowUnits += loss.units();
                    long now = System.nanoTime();
                    if (now - windowStart > 2_000_000_000L || Double.isNaN(unitsPerSecond) && now - windowStart > 200_000_000L) {
                        unitsPerSecond = windowUnits / ((now - windowStart) / 1e9);
                        windowStart = now;
                        windowUnits = 0;
                    }
                    double seconds = before + (now - start) / 1e9;
                    listener.batch(epoch, batch, perEpoch, lossUnits == 0 ? Double.NaN : lossSum / lossUnits, unitsPerSecond, seconds,
                            remaining(seconds, epoch, batch, perEpoch, start, now, doneAtStart));
                    outOfTime = settings.minutes() > 0 && seconds >= settings.minutes() * 60;
                    if (sinceValidation >= settings.evalEvery() || batch == perEpoch || outOfTime) {
                        best = validate(run, optimizer, epoch, batch, perEpoch, step, seconds, best,
                                lossUnits == 0 ? Double.NaN : lossSum / lossUnits, history);
                        lossSum = 0;
                        lossUnits = 0;
                        sinceValidation = 0;
                        if (settings.patience() > 0 && withoutImprovement(history) >= settings.patience()) {
                            exhausted = true;
                            listener.message("no improvement in " + settings.patience() + " validations: stopping early");
                        }
                    }
                    if (stopRequested) {       // after a validation that was due, so a resumed run repeats it exactly
                        stopped = true;
                        break;
                    }
                    if (outOfTime || exhausted) {
                        break;
                    }
                }
                if (stopped) {
                    break;
                }
                if (batch == perEpoch) {
                    epoch++;
                    batch = 0;
                }
            }
            double seconds = before + (System.nanoTime() - start) / 1e9;
            if (batch == perEpoch) {
                epoch++;
                batch = 0;
            }
            run.checkpoint(optimizer, new Checkpoint.Position(epoch, batch, step, optimizer.steps(), seconds, best,
                    optimizer.learningRate(), lossSum, lossUnits, history));
            if (stopped) {
                listener.message(sink == null ? "stopped" : "stopped: checkpoint written to " + sink.checkpoint()
                        + "; --resume continues from it");
            }
            run.restoreBest();
            TrainingListener.Point bestPoint = null;
            for (TrainingListener.Point p : history) {
                if (p.best()) {
                    bestPoint = p;
                }
            }
            TrainingTask.Evaluation bestEval = bestPoint == null ? null
                    : new TrainingTask.Evaluation(bestPoint.validationLoss(), bestPoint.validationAccuracy());
            return new Result(bestEval, epoch, step, seconds, stopped, history);
        }
    }

    /**
     * Adds the L1/L2 penalty's gradient and clamps every gradient element to the clip value, as the
     * settings ask; returns the penalty (0 without one), which the listener hears apart from the loss.
     */
    private double penalize(ParameterSet params) {
        double penalty = 0;
        if (!settings.regularization().isNone()) {
            penalty = settings.regularization().addTo(kernels, params.trainableValues(), params.trainableGradients());
            listener.penalty(penalty);
        }
        if (settings.clipValue() > 0) {
            GradientClipping.clipByValue(params.trainableGradients(), settings.clipValue());
        }
        return penalty;
    }

    /**
     * One update at the schedule's rate for this step, scaled by what plateaus have done to the base
     * rate; the optimizer holds the base rate between updates, so checkpoints and plateaus see it alone.
     */
    private void stepAtScheduledRate(Optimizer optimizer, LearningRateSchedule rates, long step) {
        double base = optimizer.learningRate(), scheduled = rates.at((int) Math.min(Integer.MAX_VALUE, step));
        // at the full rate (plateau without warm-up, as before schedules) the base rate itself, to its last bit
        optimizer.setLearningRate(scheduled == settings.learningRate() ? base : scheduled * (base / settings.learningRate()));
        optimizer.step();
        optimizer.setLearningRate(base);
    }

    /** Validations since the last one that improved on the best (all of them when none did). */
    private static int withoutImprovement(List<TrainingListener.Point> history) {
        int n = 0;
        for (int i = history.size() - 1; i >= 0 && !history.get(i).best(); i--) {
            n++;
        }
        return n;
    }

    private double remaining(double seconds, int epoch, int batch, int perEpoch, long start, long now, long doneAtStart) {
        double left = Double.NaN;
        if (settings.minutes() > 0) {
            left = Math.max(0, settings.minutes() * 60 - seconds);
        }
        if (settings.epochs() > 0 && now > start) {
            long done = (long) epoch * perEpoch + batch, total = (long) settings.epochs() * perEpoch;
            double rate = (now - start) / 1e9 / Math.max(1, done - doneAtStart);
            double byEpochs = (total - done) * rate;
            left = Double.isNaN(left) ? byEpochs : Math.min(left, byEpochs);
        }
        return left;
    }

    private double validate(Run run, Optimizer optimizer, int epoch, int batch, int perEpoch, long step, double seconds, double best,
                            double trainLoss, List<TrainingListener.Point> history) throws IOException {
        TrainingTask.Evaluation e = task.evaluate();
        boolean improved = e.score() > best;
        int epochNumber = step == 0 ? 0 : epoch + 1;       // 0: the starting point, before any training
        TrainingListener.Point point = new TrainingListener.Point(epochNumber, step, epoch + (double) batch / perEpoch, seconds,
                trainLoss, e.loss(), e.accuracy(), improved);
        history.add(point);
        if (improved) {
            best = e.score();
            run.improved(epochNumber, step, e);
        } else if (settings.decay() < 1 && settings.schedule().kind() == LearningRateSchedule.Kind.PLATEAU) {
            optimizer.setLearningRate(optimizer.learningRate() * settings.decay());
            listener.message(String.format(Locale.ROOT, "no improvement: learning rate now %.3g", optimizer.learningRate()));
        }
        listener.validated(point, List.copyOf(history));
        int nextEpoch = batch == perEpoch ? epoch + 1 : epoch, nextBatch = batch == perEpoch ? 0 : batch;
        run.checkpoint(optimizer, new Checkpoint.Position(nextEpoch, nextBatch, step, optimizer.steps(), seconds, best,
                optimizer.learningRate(), 0, 0, history));
        return best;
    }

    /**
     * Where one run's best model and checkpoints go: to the sink, or, without one, the best weights
     * kept in memory (a copy per improvement) and put back into the model when the run ends.
     */
    private final class Run {
        private final TrainingSink sink;
        private final ParameterSet params;
        private final Map<String, String> metadata;
        private float[][] bestValues;

        Run(TrainingSink sink, ParameterSet params, Map<String, String> metadata) {
            this.sink = sink;
            this.params = params;
            this.metadata = metadata;
        }

        void improved(int epochNumber, long step, TrainingTask.Evaluation e) throws IOException {
            if (sink == null) {
                List<Matrix> values = params.values();
                bestValues = new float[values.size()][];
                for (int i = 0; i < bestValues.length; i++) {
                    bestValues[i] = values.get(i).toArray();
                }
                return;
            }
            Map<String, String> meta = new LinkedHashMap<>(metadata);
            meta.putAll(task.evaluatedMetadata());
            meta.put("training.epoch", Integer.toString(epochNumber));
            meta.put("training.step", Long.toString(step));
            meta.put("training.validationLoss", Double.toString(e.loss()));
            meta.put("training.validationAccuracy", Double.toString(e.accuracy()));
            SafetensorsWriter w = new SafetensorsWriter().metadata(meta);
            params.writeTo(w, "");
            sink.saveModel(w);
        }

        void checkpoint(Optimizer optimizer, Checkpoint.Position position) throws IOException {
            if (sink != null) {
                sink.saveCheckpoint(Checkpoint.of(params, optimizer, task.carriedState(), metadata, position));
            }
        }

        /** Without a sink, the model takes back the weights of its best validation. */
        void restoreBest() {
            if (bestValues != null) {
                List<Matrix> values = params.values();
                for (int i = 0; i < bestValues.length; i++) {
                    values.get(i).copyFrom(bestValues[i]);
                }
            }
        }
    }
}
