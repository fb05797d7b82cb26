package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rnn classify|tag export-embeddings}: a classifier's or tagger's learned word vectors, as --embeddings reads them. */
@Command(name = "export-embeddings", mixinStandardHelpOptions = true,
        description = "Writes a model's learned word vectors in the word2vec text format ('count dim', then a word and its floats per"
                + " line), for --embeddings of another model. Works on classifier and tagger models (a tagger's words are lower-cased).")
final class ExportEmbeddingsCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn classify train' or 'rnn tag train'")
    Path model;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the vectors file to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        String task;
        try (SafetensorsFile f = SafetensorsFile.open(model)) {
            task = f.metadata().get("task");
        }
        int written, dim;
        if (SentenceClassifier.TASK.equals(task)) {
            try (SentenceClassifier c = SentenceClassifier.open(Kernels.preferred(), model)) {
                written = c.writeWordVectors(out);
                dim = c.config().wordDim();
            }
        } else if (SequenceTagger.TASK.equals(task)) {
            try (SequenceTagger t = SequenceTagger.open(Kernels.preferred(), model)) {
                written = t.writeWordVectors(out);
                dim = t.config().wordDim();
            }
        } else {
            throw new SafetensorsException(model, (task == null ? "not an rnn model" : "holds a " + task + " model")
                    + ", which has no word vectors to export (classifier and tagger models have)");
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "%s: %,d word vectors of %d%n", out, written, dim);
        return 0;
    }
}
