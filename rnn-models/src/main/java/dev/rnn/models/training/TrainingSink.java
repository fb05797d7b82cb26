package dev.rnn.models.training;

import dev.rnn.models.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a {@link Trainer} keeps what outlives a run: the best model so far, replaced at every
 * validation that improves on it, and the checkpoint a resumed run continues from, replaced after
 * every validation and when the run ends. A run without a sink writes nothing. Called on the
 * training thread only.
 */
public interface TrainingSink {

    /** The best model so far, complete: its tensors, named as in the model file, and its metadata. */
    void saveModel(SafetensorsWriter model) throws IOException;

    /** A checkpoint ({@link Checkpoint}'s layout), replacing the last one. */
    void saveCheckpoint(SafetensorsWriter checkpoint) throws IOException;

    /** The file the last checkpoint is in, which resuming reads and messages name (it may not exist yet). */
    Path checkpoint();

    /**
     * The model in {@code model} and the checkpoint beside it ({@link Checkpoint#pathFor}), each written
     * atomically: what the command line's {@code train} commands write.
     */
    static TrainingSink files(Path model) {
        Path checkpoint = Checkpoint.pathFor(model);
        return new TrainingSink() {
            @Override
            public void saveModel(SafetensorsWriter w) throws IOException {
                w.write(model);
            }

            @Override
            public void saveCheckpoint(SafetensorsWriter w) throws IOException {
                w.write(checkpoint);
            }

            @Override
            public Path checkpoint() {
                return checkpoint;
            }
        };
    }
}
