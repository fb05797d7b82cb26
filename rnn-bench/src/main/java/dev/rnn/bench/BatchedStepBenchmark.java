package dev.rnn.bench;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamBatch;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One batched step ({@link StreamBatch#step}) of {@code batch} streams of the default character
 * language model: embedding 65×64, two LSTM levels of 512, output layer 65×512, F32, logits out, one
 * thread. Weights from PyTorch's default initialisation (cells and output layer uniform in ±1/√fan-in;
 * the table uniform in ±1, where PyTorch draws N(0, 1): the values do not change the time), seed 42.
 * Tokens cycle through 16 random rows.
 *
 * <p>Floating-point operations per step: 2·B·Σ over levels of (I+H)·4H + 2·B·H·V
 * = 2·B·((64+512)·2048 + (512+512)·2048) + 2·B·512·65 = 6,620,160·B, so GFLOP/s = 6,620,160·B / (ns/op):
 * 52,961,280 / (ns/op) at B = 8, 423,690,240 at 64, 1,694,760,960 at 256. Gathering the states, the cell
 * updates and the bias adds are left out of the count.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Drnn.threads=1"})
public class BatchedStepBenchmark {

    static final int VOCAB = 65, EMBEDDING = 64, HIDDEN = 512, LEVELS = 2;

    @Param({"8", "64", "256"})
    public int batch;

    private Arena arena;
    private StreamingModel model;
    private StreamBatch stepper;
    private StreamSession[] sessions;
    private int[][] tokens;
    private float[][] logits;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        Initializers init = new Initializers(42);
        StreamingModel.Builder b = StreamingModel.builder(Kernels.preferred()).format(PackedMatrix.Format.F32);
        for (int l = 0; l < LEVELS; l++) {
            CellParameters p = CellParameters.allocate(arena, CellKind.LSTM, l == 0 ? EMBEDDING : HIDDEN, HIDDEN, true);
            init.pytorchDefault(p);
            b.level(p);
        }
        Matrix table = Matrix.allocate(arena, VOCAB, EMBEDDING), head = Matrix.allocate(arena, VOCAB, HIDDEN);
        Matrix headBias = Matrix.vector(arena, VOCAB);
        init.uniform(table, 1);
        init.uniform(head, 1 / Math.sqrt(HIDDEN));
        init.uniform(headBias, 1 / Math.sqrt(HIDDEN));
        model = b.embedding(table).head(head, headBias).build();
        // created on the benchmark thread, which a batch is confined to (setup and benchmark share it)
        stepper = model.newBatch(batch, StepOutput.LOGITS);
        sessions = new StreamSession[batch];
        for (int i = 0; i < batch; i++) {
            sessions[i] = model.newSession(StepOutput.LOGITS);
        }
        Random rnd = new Random(1);
        tokens = new int[16][batch];
        for (int[] row : tokens) {
            for (int i = 0; i < batch; i++) {
                row[i] = rnd.nextInt(VOCAB);
            }
        }
        logits = new float[batch][VOCAB];
    }

    @Benchmark
    public float[][] step() {
        int[] t = tokens[next];
        next = (next + 1) & 15;
        stepper.step(sessions, batch, t, logits);
        return logits;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stepper.close();
        for (StreamSession s : sessions) {
            s.close();
        }
        model.close();
        arena.close();
    }
}
