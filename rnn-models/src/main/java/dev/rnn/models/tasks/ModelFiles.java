package dev.rnn.models.tasks;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one entry point for inference: opens any model file this project writes, as the task model its
 * {@code task} metadata names, and PyTorch state_dicts of a recurrent module (files without that
 * metadata) as a {@link TorchRecurrentModel}. Models open for inference only: no gradients or
 * optimizer state, F32 tensors used in place from the file's mapping.
 *
 * <pre>{@code
 * try (SequenceTagger tagger = ModelFiles.open(Path.of("tagger.safetensors"), SequenceTagger.class)) {
 *     List<String> tags = tagger.tag(List.of("The", "cat", "sat"));    // from any number of threads
 * }
 * }</pre>
 *
 * <p>Every failure is a {@link SafetensorsException} naming the file: unreadable, malformed, a
 * tensor missing or of the wrong shape, or a model of another task than the one asked for.
 */
public final class ModelFiles {

    /** Opens a file for inference as one kind of task model. */
    private interface Opener {
        TaskModel open(Kernels kernels, Path file) throws SafetensorsException;
    }

    private record Kind(String task, Class<? extends TaskModel> type, Opener opener) {
    }

    private static final List<Kind> KINDS = List.of(
            new Kind(CharLanguageModel.TASK, CharLanguageModel.class, CharLanguageModel::open),
            new Kind(SentenceClassifier.TASK, SentenceClassifier.class, SentenceClassifier::open),
            new Kind(SequenceTagger.TASK, SequenceTagger.class, SequenceTagger::open),
            new Kind(Seq2SeqModel.TASK, Seq2SeqModel.class, Seq2SeqModel::open),
            new Kind(Forecaster.TASK, Forecaster.class, Forecaster::open),
            new Kind(CaptionModel.TASK, CaptionModel.class, CaptionModel::open),
            new Kind(TorchRecurrentModel.TASK, TorchRecurrentModel.class, (k, f) -> TorchRecurrentModel.open(k, f, "")));

    private ModelFiles() {
    }

    /** The model in {@code file}, on the kernels chosen for this JVM. */
    public static TaskModel open(Path file) throws SafetensorsException {
        return open(Kernels.preferred(), file);
    }

    /** The model in {@code file}: the task model its {@code task} metadata names, or a PyTorch recurrent module. */
    public static TaskModel open(Kernels kernels, Path file) throws SafetensorsException {
        return kind(file, task(file)).opener().open(kernels, file);
    }

    /** The model in {@code file}, which must be a {@code type}, on the kernels chosen for this JVM. */
    public static <T extends TaskModel> T open(Path file, Class<T> type) throws SafetensorsException {
        return open(Kernels.preferred(), file, type);
    }

    /**
     * The model in {@code file}, which must be a {@code type}: a file of another task is an error naming
     * both tasks, checked before anything is loaded.
     */
    public static <T extends TaskModel> T open(Kernels kernels, Path file, Class<T> type) throws SafetensorsException {
        String found = task(file);
        Kind wanted = null;
        for (Kind k : KINDS) {
            if (k.type() == type) {
                wanted = k;
            }
        }
        if (wanted == null) {
            throw new IllegalArgumentException(type.getName() + " is not a model type ModelFiles opens");
        }
        if (!wanted.task().equals(found)) {
            throw new SafetensorsException(file, "holds " + describe(found) + ", not " + describe(wanted.task())
                    + " (" + type.getSimpleName() + ")");
        }
        return type.cast(wanted.opener().open(kernels, file));
    }

    /**
     * The task of the model in {@code file}: its {@code task} metadata, or
     * {@value TorchRecurrentModel#TASK} for a file without one (a PyTorch state_dict). Reads the
     * header only.
     */
    public static String task(Path file) throws SafetensorsException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> meta = f.metadata();
            String task = meta.get(ModelMetadata.TASK);
            if (task == null) {
                return TorchRecurrentModel.TASK;
            }
            kind(file, task);
            return task;
        }
    }

    private static Kind kind(Path file, String task) throws SafetensorsException {
        for (Kind k : KINDS) {
            if (k.task().equals(task)) {
                return k;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Kind k : KINDS) {
            known.append(known.isEmpty() ? "" : ", ").append(k.task());
        }
        throw new SafetensorsException(file, "metadata 'task' is '" + task + "', not a task this version opens (" + known + ")");
    }

    private static String describe(String task) {
        return task.equals(TorchRecurrentModel.TASK) ? "a PyTorch recurrent state_dict (no 'task' metadata)" : "a " + task + " model";
    }
}
