package dev.rnn.bench.dl4j;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.factory.Nd4j;
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
 * One batch-1 step (input size 64), as {@code StepLatencyBenchmark}, against Deeplearning4j's
 * {@code rnnTimeStep} on the same weights. DL4J has no GRU layer; its SimpleRnn is the tanh RNN.
 * ND4J runs with one thread ({@code Nd4j.getEnvironment().setMaxThreads(1)}), as every engine here.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Drnn.threads=1"})
public class Dl4jStepBenchmark {

    static final int INPUT = 64;

    @Param({"rnn", "lstm"})
    public String cell;

    @Param({"256", "1024"})
    public int hidden;

    @Param({"rnn", "rnn-bf16", "dl4j"})
    public String engine;

    private Arena arena;
    private StreamingModel model;
    private StreamSession session;
    private Dl4jRecurrentStep dl4j;
    private float[][] inputs;
    private float[] out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        CellKind kind = cell.equals("lstm") ? CellKind.LSTM : CellKind.RNN_TANH;
        CellParameters p = CellParameters.allocate(arena, kind, INPUT, hidden, true);
        new Initializers(42).pytorchDefault(p);
        if (engine.equals("dl4j")) {
            Nd4j.getEnvironment().setMaxThreads(1);
            dl4j = new Dl4jRecurrentStep(p);
        } else {
            PackedMatrix.Format format = engine.equals("rnn") ? PackedMatrix.Format.F32 : PackedMatrix.Format.BF16;
            model = StreamingModel.builder(Kernels.preferred()).level(p).format(format).build();
            session = model.newSession(StepOutput.HIDDEN);
        }
        Random rnd = new Random(1);
        inputs = new float[16][INPUT];
        for (float[] x : inputs) {
            for (int i = 0; i < INPUT; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
        }
        out = new float[hidden];
    }

    @Benchmark
    public float[] step() {
        float[] x = inputs[next];
        next = (next + 1) & 15;
        if (session != null) {
            session.step(x, out);
        } else {
            dl4j.step(x, out);
        }
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (session != null) {
            session.close();
            model.close();
        }
        arena.close();
    }
}
