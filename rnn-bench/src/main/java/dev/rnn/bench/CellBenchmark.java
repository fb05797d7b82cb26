package dev.rnn.bench;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.KernelProviders;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.RecurrentLayer;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
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
 * A recurrent layer over T = 50 steps (input size = hidden size), forward alone and forward with
 * backpropagation through time, one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Drnn.threads=1"})
public class CellBenchmark {

    static final int STEPS = 50;

    @Param({"scalar", "simd"})
    public String backend;

    @Param({"rnn", "lstm", "gru"})
    public String cell;

    @Param({"128", "256", "512"})
    public int hidden;

    @Param({"1", "32"})
    public int batch;

    private Arena arena;
    private RecurrentLayer layer;
    private CellParameters grads;
    private Matrix input;
    private Matrix dOutput;
    private Matrix dInput;

    @Setup(Level.Trial)
    public void setUp() {
        Kernels kernels = KernelProviders.named(backend);
        CellKind kind = BenchCells.kind(cell);
        arena = Arena.ofShared();
        CellParameters params = CellParameters.allocate(arena, kind, hidden, hidden, true);
        new Initializers(1).pytorchDefault(params);
        grads = params.zerosLike(arena);
        input = BenchMatrices.random(arena, STEPS * batch, hidden, 2);
        dOutput = BenchMatrices.random(arena, STEPS * batch, hidden, 3);
        dInput = Matrix.allocate(arena, STEPS * batch, hidden);
        layer = new RecurrentLayer(kernels, kind.cell(hidden, hidden), params, STEPS, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        layer.close();
        arena.close();
    }

    @Benchmark
    public Matrix forward() {
        return layer.forward(input, null, null, null);
    }

    @Benchmark
    public Matrix forwardBackward() {
        layer.forward(input, null, null, null);
        layer.backward(dOutput, null, null, grads, dInput);
        return dInput;
    }
}
