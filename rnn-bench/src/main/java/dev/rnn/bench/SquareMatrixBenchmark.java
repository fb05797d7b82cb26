package dev.rnn.bench;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.KernelProviders;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
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
 * Shared set-up of the kernel benchmarks: a backend by name and a random square n×n matrix A in an
 * arena that lives for the trial. Each parameter set runs in its own fork, so the JIT sees one
 * implementation, as it does in an application. Native access lets the SIMD GEMM start its packed
 * panels on cache lines, as {@code ./rnn} and the tests allow it to.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Drnn.threads=1"})
public abstract class SquareMatrixBenchmark {

    @Param({"scalar", "simd"})
    public String backend;

    @Param({"64", "128", "256", "512", "1024"})
    public int n;

    protected Arena arena;
    protected Kernels kernels;
    protected Matrix a;

    @Setup(Level.Trial)
    public void setUpMatrices() {
        kernels = KernelProviders.named(backend);
        arena = Arena.ofShared();
        a = BenchMatrices.random(arena, n, n, 1);
        allocateOperands();
    }

    /** Allocates the benchmark's other operands from {@link #arena}. */
    protected abstract void allocateOperands();

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
