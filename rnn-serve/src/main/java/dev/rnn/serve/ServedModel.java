package dev.rnn.serve;

import dev.rnn.core.PackedMatrix;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.TaskModel;

/**
 * One model the service answers for under {@code name}: the task model, whose inference calls any
 * number of request threads make at once, and for a character language model its shared text form,
 * built once at start and closed with the server. The text form is batched: every stream's steps,
 * appends and beam-search hypotheses alike, go through one {@link dev.rnn.models.streaming.StreamBatcher}
 * with a worker per processor, so concurrent requests share batches.
 */
final class ServedModel implements AutoCloseable {

    private final String name;
    private final TaskModel model;
    /**
     * The most steps in one batch: 256 users of the autocomplete workload keep up to 3 × 256 beam
     * hypotheses in flight, and batches past 256 rows ran no faster per row in the concurrent-streams
     * harness (docs/benchmarks.md), while a long batch holds every stream in it.
     */
    static final int MAX_BATCH = 256;

    private final TextStreamingModel text;   // null unless model is a CharLanguageModel

    ServedModel(String name, TaskModel model) {
        this.name = name;
        this.model = model;
        this.text = model instanceof CharLanguageModel lm
                ? lm.batchedTextStreaming(PackedMatrix.Format.F32, Runtime.getRuntime().availableProcessors(), MAX_BATCH) : null;
    }

    String name() {
        return name;
    }

    TaskModel model() {
        return model;
    }

    /** The model as a {@code type}, or a 400 naming both tasks when it is another kind. */
    <T extends TaskModel> T as(Class<T> type, String taskNeeded, String route) {
        if (!type.isInstance(model)) {
            throw ApiException.wrongTask("model '" + name + "' is a " + model.task() + " model; " + route + " needs a "
                    + taskNeeded + " model");
        }
        return type.cast(model);
    }

    /** The language model's text form, or a 400 when this is not a character language model. */
    TextStreamingModel text(String route) {
        if (text == null) {
            throw ApiException.wrongTask("model '" + name + "' is a " + model.task() + " model; " + route + " needs a "
                    + CharLanguageModel.TASK + " model");
        }
        return text;
    }

    boolean isLanguageModel() {
        return text != null;
    }

    @Override
    public void close() {
        if (text != null) {
            text.close();
        }
    }
}
