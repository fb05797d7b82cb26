package dev.rnn.cli;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.KernelProviders;
import dev.rnn.core.kernels.Kernels;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn kernels}: checks the preferred (SIMD) kernels against the scalar oracle on the products
 * and nonlinearities an LSTM step uses, then times both.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "Check the SIMD kernels against the scalar oracle and compare their speed.")
final class KernelsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "512", description = "Matrix size n for the n×n products (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--seconds", defaultValue = "2", description = "Time budget per measurement (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Override
    public void run() {
        if (n < 1 || n > 4096) {
            throw new IllegalArgumentException("--size must be between 1 and 4096, found " + n);
        }
        if (!(seconds > 0 && seconds <= 60)) {
            throw new IllegalArgumentException("--seconds must be in (0, 60], found " + seconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        Kernels fast = Kernels.preferred();
        Kernels oracle = KernelProviders.named("scalar");
        out.printf("kernels: %s, %d-bit vectors (%d floats)%n", fast.name(), fast.vectorBitSize(), fast.floatLanes());
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(42);
            Matrix w = random(arena, 4 * n, n, rnd), x = random(arena, 32, n, rnd);
            Matrix gatesFast = Matrix.allocate(arena, 32, 4 * n), gatesOracle = Matrix.allocate(arena, 32, 4 * n);
            // the recurrent projection of one LSTM step for a batch of 32: gates = x·Wᵀ, then σ and tanh
            fast.gemmTransB(x, w, gatesFast, false);
            oracle.gemmTransB(x, w, gatesOracle, false);
            out.printf("LSTM gate projection 32×%d · (%d×%d)ᵀ: max |simd − scalar| = %.2e%n", n, 4 * n, n,
                    maxDiff(gatesFast, gatesOracle));
            fast.sigmoid(gatesFast, gatesFast);
            oracle.sigmoid(gatesOracle, gatesOracle);
            out.printf("sigmoid over the gates:                 max |simd − scalar| = %.2e%n", maxDiff(gatesFast, gatesOracle));

            Matrix a = random(arena, n, n, rnd), b = random(arena, n, n, rnd), c = Matrix.allocate(arena, n, n);
            Matrix v = random(arena, 1, n, rnd), y = Matrix.allocate(arena, 1, n);
            double flopsGemm = 2.0 * n * n * n, flopsGemv = 2.0 * n * n;
            double gemmFast = time(() -> fast.gemm(a, b, c, false)), gemmSlow = time(() -> oracle.gemm(a, b, c, false));
            double gemvFast = time(() -> fast.gemv(a, v, y, false)), gemvSlow = time(() -> oracle.gemv(a, v, y, false));
            out.printf("GEMM %d×%d×%d: %s %.1f GFLOP/s, scalar %.2f GFLOP/s (%.0f× faster)%n", n, n, n, fast.name(),
                    flopsGemm / gemmFast, flopsGemm / gemmSlow, gemmSlow / gemmFast);
            out.printf("GEMV %d×%d:    %s %.2f µs, scalar %.1f µs (%.0f× faster)%n", n, n, fast.name(),
                    gemvFast / 1e3, gemvSlow / 1e3, gemvSlow / gemvFast);
            out.println("(rough timings; rnn-bench/README.md has the JMH figures)");
        }
    }

    private static Matrix random(Arena arena, int rows, int cols, SplittableRandom rnd) {
        Matrix m = Matrix.allocate(arena, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m.set(r, c, (float) (rnd.nextDouble() * 2 - 1));
            }
        }
        return m;
    }

    private static double maxDiff(Matrix p, Matrix q) {
        double max = 0;
        for (int r = 0; r < p.rows(); r++) {
            for (int c = 0; c < p.cols(); c++) {
                max = Math.max(max, Math.abs(p.get(r, c) - q.get(r, c)));
            }
        }
        return max;
    }

    /** Best time in ns of one run, after warming up, within the time budget. */
    private double time(Runnable op) {
        long budget = (long) (seconds * 1e9), start = System.nanoTime();
        double best = Double.MAX_VALUE;
        do {
            long t = System.nanoTime();
            op.run();
            best = Math.min(best, System.nanoTime() - t);
        } while (System.nanoTime() - start < budget);
        return best;
    }
}
