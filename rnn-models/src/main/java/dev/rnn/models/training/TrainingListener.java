package dev.rnn.models.training;

/** Hears how training goes: for progress bars, logs and curves. Called on the training thread. */
public interface TrainingListener {

    /** One validation: where training stands and what it measured. */
    record Point(int epoch, long step, double epochs, double seconds, double trainLoss, double validationLoss,
                 double validationAccuracy, boolean best) {
    }

    /** Training (re)starts at {@code epoch}, batch {@code batch} of {@code batchesPerEpoch}. */
    default void started(int epoch, int batch, int batchesPerEpoch, String unit) {
    }

    /** A batch is done: mean loss over the recent batches, units per second, seconds elapsed and left (NaN when unknown). */
    default void batch(int epoch, int batch, int batchesPerEpoch, double recentLoss, double unitsPerSecond,
                       double elapsedSeconds, double remainingSeconds) {
    }

    /**
     * The L1/L2 penalty of the batch just trained, apart from its loss (called before {@link #batch},
     * and only when the settings have a penalty).
     */
    default void penalty(double penalty) {
    }

    /** A validation ran ({@code history} includes it). */
    default void validated(Point point, java.util.List<Point> history) {
    }

    /** Something worth telling the user (learning rate decayed, a batch skipped, stop requested). */
    default void message(String text) {
    }
}
