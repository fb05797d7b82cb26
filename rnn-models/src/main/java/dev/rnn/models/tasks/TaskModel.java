package dev.rnn.models.tasks;

import java.util.Map;

/**
 * A model {@link ModelFiles} opens: one of the task models this project trains, named in its file by
 * the {@code task} metadata, or a PyTorch recurrent module ({@link TorchRecurrentModel}).
 * Implementations are immutable once built; their inference methods may be called from any number
 * of threads, and {@link #close()} (idempotent) frees their memory.
 */
public sealed interface TaskModel extends AutoCloseable
        permits CharLanguageModel, SentenceClassifier, SequenceTagger, Seq2SeqModel, Forecaster, CaptionModel, TorchRecurrentModel {

    /** The {@code task} metadata value of this kind of model ({@code char-lm}, {@code sequence-tagger}, …). */
    String task();

    /** What the model file records besides the tensors. */
    Map<String, String> metadata();

    @Override
    void close();
}
