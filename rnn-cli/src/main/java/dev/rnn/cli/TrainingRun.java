package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.training.Checkpoint;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import dev.rnn.models.training.TrainingSink;
import dev.rnn.models.training.TrainingTask;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link Trainer} for a command: progress on the terminal, the curve PNG beside the model,
 * and Ctrl-C turned into "write a checkpoint and stop" rather than losing the run.
 */
final class TrainingRun {

    private TrainingRun() {
    }

    static Trainer.Result run(TrainingTask task, TrainingSettings settings, Path model, boolean resume, String title,
                              PrintWriter out) throws Exception {
        Path parent = model.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(model + ": the directory " + parent + " does not exist");
        }
        if (!resume && Files.exists(Checkpoint.pathFor(model))) {
            out.println("note: starting afresh; the old checkpoint " + Checkpoint.pathFor(model) + " will be replaced (--resume continues it)");
        }
        out.println(TrainingOptions.summary(settings));
        Path png = Checkpoint.sibling(model, ".png");
        TrainingProgress progress = new TrainingProgress(out, png, title, TrainingProgress.isTerminal());
        Trainer trainer = new Trainer(Kernels.preferred(), task, settings, progress);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                finished.await(60, TimeUnit.SECONDS);   // let the loop write its checkpoint before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rnn-stop-on-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Trainer.Result r = trainer.run(TrainingSink.files(model), resume);
            progress.closeBar();
            if (r.best() != null) {
                out.printf(Locale.ROOT, "best validation: loss %.4f%s; model: %s; curve: %s; checkpoint: %s%n", r.best().loss(),
                        Double.isNaN(r.best().accuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", r.best().accuracy()),
                        model, png, Checkpoint.pathFor(model));
            }
            out.printf(Locale.ROOT, "trained %s (%d updates)%n", TrainingProgress.clock(r.seconds()), r.steps());
            out.flush();
            return r;
        } finally {
            progress.closeBar();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: Ctrl-C arrived; the JVM exits once it returns
            }
        }
    }
}
