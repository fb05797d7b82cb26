package dev.rnn.bench;

import dev.rnn.bench.onnx.OrtRecurrentStep;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
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
 * One recurrent step at batch 1 (input size 64): the latency a streaming service sees per token.
 * Every engine runs the same weights (PyTorch's initialisation, seed 42): {@code rnn} with F32
 * weights, {@code rnn-bf16} with BF16 weights, {@code onnxruntime} with the ONNX model built from
 * them, driven as ORT's documentation shows (tensors per call, state through inputs and outputs),
 * and {@code onnxruntime-pinned}, ORT's best case (no per-step Java allocation, outputs pinned);
 * ORT runs with one intra-op thread.
 * Each step returns the new hidden state in a caller-owned array. Inputs cycle through 16 vectors.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Drnn.threads=1"})
public class StepLatencyBenchmark {

    static final int INPUT = 64;

    @Param({"rnn", "lstm", "gru"})
    public String cell;

    @Param({"128", "256", "512", "1024"})
    public int hidden;

    @Param({"rnn", "rnn-bf16", "onnxruntime", "onnxruntime-pinned"})
    public String engine;

    private Arena arena;
    private StreamingModel model;
    private StreamSession session;
    private OrtRecurrentStep ort;
    private float[][] inputs;
    private float[] out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        arena = Arena.ofShared();
        CellParameters p = CellParameters.allocate(arena, BenchCells.kind(cell), INPUT, hidden, true);
        new Initializers(42).pytorchDefault(p);
        switch (engine) {
            case "rnn", "rnn-bf16" -> {
                PackedMatrix.Format format = engine.equals("rnn") ? PackedMatrix.Format.F32 : PackedMatrix.Format.BF16;
                model = StreamingModel.builder(Kernels.preferred()).level(p).format(format).build();
                session = model.newSession(StepOutput.HIDDEN);
            }
            case "onnxruntime" -> ort = new OrtRecurrentStep(p, false);
            case "onnxruntime-pinned" -> ort = new OrtRecurrentStep(p, true);
            default -> throw new IllegalArgumentException("unknown engine " + engine);
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
    public float[] step() throws Exception {
        float[] x = inputs[next];
        next = (next + 1) & 15;
        if (session != null) {
            session.step(x, out);
        } else {
            ort.step(x, out);
        }
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (session != null) {
            session.close();
            model.close();
        }
        if (ort != null) {
            ort.close();
        }
        arena.close();
    }
}
