package dev.rnn.bench;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.KernelProviders;
import dev.rnn.core.kernels.Kernels;
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
 * The weight-gradient product of training a recurrent layer, one thread: dW (4H×n) += dGatesᵀ·X with
 * dGates (T·B)×4H and X (T·B)×n, for the character LM's batch of 32 × 100 and H = 512 (4H = 2048); n = 64
 * is its embedding (level 0's W_ih), n = 512 a hidden state (W_hh, and level 1's W_ih). A is transposed
 * here, so this measures packing a transposed A as well as the micro-kernel. GFLOP/s = 2·3200·2048·n / (ns
 * per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Drnn.threads=1"})
public class WeightGradientBenchmark {

    private static final int ROWS = 32 * 100;
    private static final int GATES = 4 * 512;

    @Param({"64", "512"})
    public int n;

    private Arena arena;
    private Kernels kernels;
    private Matrix dGates;
    private Matrix x;
    private Matrix dW;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = KernelProviders.named("simd");
        arena = Arena.ofShared();
        dGates = BenchMatrices.random(arena, ROWS, GATES, 1);
        x = BenchMatrices.random(arena, ROWS, n, 2);
        dW = Matrix.allocate(arena, GATES, n);
    }

    @Benchmark
    public Matrix accumulate() {
        kernels.gemmTransA(dGates, x, dW, true);
        return dW;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
