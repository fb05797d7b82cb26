package dev.rnn.flink.stream;

import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.ModelFiles;
import java.nio.file.Path;

/** What a streaming job runs per event: a character language model, or a forecaster fed one CSV record per event. */
public enum StreamTask {
    /** Per event one character: its surprisal and the next character's top k. */
    LM("lm", CharLanguageModel.TASK),
    /** Per event one CSV record: the forecast from the key's last window, and the error of the previous forecast. */
    FORECAST("forecast", Forecaster.TASK);

    private final String option;
    private final String modelTask;

    StreamTask(String option, String modelTask) {
        this.option = option;
        this.modelTask = modelTask;
    }

    /** The name on the command line ({@code --task}). */
    public String option() {
        return option;
    }

    /** The task named by {@code option} ({@code lm} or {@code forecast}). */
    public static StreamTask of(String option) {
        for (StreamTask t : values()) {
            if (t.option.equals(option)) {
                return t;
            }
        }
        throw new IllegalArgumentException("--task must be lm or forecast, found '" + option + "'");
    }

    /**
     * Checks, reading only the file's header, that {@code model} is a readable model of this task: a
     * missing or unreadable file, or a model of another task, is a {@link SafetensorsException} naming the
     * file and both tasks.
     */
    public void check(Path model) throws SafetensorsException {
        String found = ModelFiles.task(model);
        if (!found.equals(modelTask)) {
            throw new SafetensorsException(model, "holds a " + found + " model, but --task " + option + " needs a " + modelTask + " model");
        }
    }

    /** Opens {@code model} for events of this task, stepping up to {@code maxBatch} keys together. */
    public EventModel open(Path model, int maxBatch) throws SafetensorsException {
        return switch (this) {
            case LM -> new LanguageModelEvents(ModelFiles.open(model, CharLanguageModel.class), maxBatch, LanguageModelEvents.DEFAULT_TOP_K);
            case FORECAST -> new ForecastEvents(ModelFiles.open(model, Forecaster.class), maxBatch);
        };
    }
}
