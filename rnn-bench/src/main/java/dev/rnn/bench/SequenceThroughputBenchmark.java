package dev.rnn.bench;

import dev.rnn.bench.onnx.OrtRecurrentSequence;
import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.RecurrentModule;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.List;
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
 * A whole-sequence forward pass, batch 64, T = 100, input size 64, one thread, returning every step's
 * hidden state: the throughput of offline scoring. The same weights in both engines; ONNX Runtime in
 * its best case (pinned outputs). BF16 weights are a batch-1 option (see {@link StepLatencyBenchmark}):
 * at batch 64 the products are compute-bound and read each weight 64 times from cache.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Drnn.threads=1"})
public class SequenceThroughputBenchmark {

    static final int INPUT = 64, STEPS = 100, BATCH = 64;

    @Param({"rnn", "lstm", "gru"})
    public String cell;

    @Param({"128", "256", "512"})
    public int hidden;

    @Param({"rnn", "onnxruntime"})
    public String engine;

    private Arena arena;
    private RecurrentModule module;
    private Matrix input;
    private OrtRecurrentSequence ort;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        arena = Arena.ofShared();
        CellParameters p = CellParameters.allocate(arena, BenchCells.kind(cell), INPUT, hidden, true);
        new Initializers(42).pytorchDefault(p);
        Random rnd = new Random(1);
        float[] xs = new float[STEPS * BATCH * INPUT];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rnd.nextGaussian();
        }
        switch (engine) {
            case "rnn" -> {
                module = new RecurrentModule(Kernels.preferred(), List.of(new StackedLayers.Level(p, null)));
                input = Matrix.allocate(arena, STEPS * BATCH, INPUT);
                input.copyFrom(xs);
            }
            case "onnxruntime" -> {
                ort = new OrtRecurrentSequence(p, STEPS, BATCH);
                ort.input().put(0, xs);
            }
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        }
    }

    @Benchmark
    public Object forward() throws Exception {
        if (module != null) {
            return module.forward(input, BATCH, null, null, null).output();
        }
        ort.run();
        return ort.output();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (module != null) {
            module.close();
        }
        if (ort != null) {
            ort.close();
        }
        arena.close();
    }
}
