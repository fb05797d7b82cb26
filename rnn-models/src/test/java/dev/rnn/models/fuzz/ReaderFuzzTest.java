package dev.rnn.models.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.TensorInfo;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.RecurrentModule;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.tasks.CaptionModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.ModelFiles;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.text.DataException;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.TextFiles;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.text.WordVectors;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz targets for everything that reads outside input. Allowed outcomes: a result, or the
 * documented exception with a message ({@link SafetensorsException} for model files,
 * {@link DataException} for data files, IllegalArgumentException for a vocabulary string). Anything
 * else, an OutOfMemoryError, a hang or a crash is a finding.
 *
 * <p>{@code ./mvnw verify} replays the committed inputs in {@code ReaderFuzzTestInputs/<target>/}
 * (regression mode). To fuzz one target: {@code tools/fuzz.sh <target> [minutes]}.
 */
class ReaderFuzzTest {

    private static final Path FILE = FuzzFiles.scratch("input");
    private static final List<String> RECURRENT_NAMES = new ArrayList<>();

    static {
        for (String p : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")) {
            for (String l : List.of("_l0", "_l1", "_l0_reverse", "_l1_reverse", "_l2")) {
                RECURRENT_NAMES.add(p + l);
            }
        }
    }

    private static void need(Throwable e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("documented exception without a message", e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void safetensors(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        readEverything();
    }

    /** Structured files with PyTorch's recurrent names: the state_dict import, then a forward pass when it loads. */
    @FuzzTest(maxDuration = "10m")
    void stateDict(FuzzedDataProvider data) {
        FuzzFiles.write(FILE, FuzzFiles.safetensors(data, RECURRENT_NAMES));
        readEverything();
    }

    private static void readEverything() {
        try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
            f.metadata();
            for (String name : f.names()) {
                TensorInfo t = f.info(name);
                f.bytes(name);
                try {
                    f.floats(name, t.shape());
                } catch (SafetensorsException e) {
                    need(e);
                }
                try {
                    f.integers(name, t.shape());
                } catch (SafetensorsException e) {
                    need(e);
                }
            }
            TorchRecurrentWeights w = TorchRecurrentWeights.read(f);
            try (RecurrentModule m = new RecurrentModule(Kernels.preferred(), w.levels()); Arena arena = Arena.ofConfined()) {
                m.forward(Matrix.allocate(arena, 2, w.inputSize()), 1, null, null, null);
            }
        } catch (SafetensorsException e) {
            need(e);
        }
    }

    /** Model files of the task models: metadata and tensors from the fuzzer. */
    @FuzzTest(maxDuration = "10m")
    void taskModel(FuzzedDataProvider data) {
        List<String> names = List.of("embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                "head.weight", "head.bias", "words.weight", "chars.weight", "ar.weight", "projection.weight", "projection.bias");
        FuzzFiles.write(FILE, TaskModelFiles.file(data, names));
        for (int kind = 0; kind < 7; kind++) {
            try {
                AutoCloseable m = switch (kind) {
                    case 0 -> CharLanguageModel.load(Kernels.preferred(), FILE);
                    case 1 -> SentenceClassifier.load(Kernels.preferred(), FILE);
                    case 2 -> SequenceTagger.load(Kernels.preferred(), FILE);
                    case 3 -> Seq2SeqModel.load(Kernels.preferred(), FILE);
                    case 4 -> Forecaster.load(Kernels.preferred(), FILE);
                    case 5 -> CaptionModel.load(Kernels.preferred(), FILE);
                    default -> ModelFiles.open(Kernels.preferred(), FILE);   // the same file for inference: mapped, no gradients
                };
                m.close();
            } catch (SafetensorsException e) {
                need(e);
            } catch (Exception e) {
                throw new AssertionError("undocumented exception", e);
            }
        }
    }

    @FuzzTest(maxDuration = "10m")
    void text(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        try {
            Vocabulary.ofCharacters(TextFiles.read(FILE));
        } catch (DataException e) {
            need(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void labelledLines(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        try {
            LabelledSentence.read(List.of(FILE));
        } catch (DataException e) {
            need(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void conllu(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        for (TaggedSentence.Column c : TaggedSentence.Column.values()) {
            try {
                TaggedSentence.readConllu(FILE, c);
            } catch (DataException e) {
                need(e);
            }
        }
    }

    @FuzzTest(maxDuration = "10m")
    void pairs(FuzzedDataProvider data) {
        String separator = data.pickValue(List.of("\t", "_", "=>", " ", "é"));
        FuzzFiles.write(FILE, data.consumeRemainingAsBytes());
        try {
            TextPair.read(FILE, separator);
        } catch (DataException e) {
            need(e);
        }
    }

    /** A CSV series: read, a schema fitted on its first half (target: the first column; features: the others), encoded, windowed. */
    @FuzzTest(maxDuration = "10m")
    void csvSeries(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        try {
            CsvTable t = CsvTable.read(FILE);
            List<String> features = t.columns().subList(1, t.columns().size());
            SeriesSchema s = SeriesSchema.fit(t, t.columns().get(0), features, Math.max(2, t.rows() / 2));
            EncodedSeries e = s.encode(t);
            ForecastWindows.split(e, 2, 1, Math.max(1, t.rows() / 2), 0.1);
            java.util.Map<String, String> m = new java.util.HashMap<>();
            s.putMetadata(m);
            SeriesSchema.fromMetadata(m).encode(t);
        } catch (DataException e) {
            need(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void wordVectors(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        for (int dimension : new int[] {0, 3}) {
            try {
                WordVectors.read(FILE, dimension);
            } catch (DataException e) {
                need(e);
            }
        }
    }

    @FuzzTest(maxDuration = "10m")
    void vocabularyJson(String json) {
        try {
            Vocabulary.fromJson(json);
        } catch (IllegalArgumentException e) {
            need(e);
        }
    }
}
