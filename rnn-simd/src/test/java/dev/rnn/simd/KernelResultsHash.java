package dev.rnn.simd;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.kernels.GemmOperand;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Hashes the exact bits of the SIMD kernels' results on fixed inputs; run in this JVM and in a child
 * JVM that only interprets ({@link SimdDeterminismTest}). Covers the elementary functions, the
 * products (plain, prepared, batch-invariant), the streaming kernels (packed products in F32 and BF16,
 * both row orders, and the cell updates), the fused training steps of the cells, and cross-entropy.
 */
public final class KernelResultsHash {

    private KernelResultsHash() {
    }

    static long hash(int rounds) {
        Kernels k = SimdKernels.INSTANCE;
        long h = 17;
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(3);
            Matrix x = Matrix.allocate(arena, 7, 301), y = Matrix.allocate(arena, 7, 301);
            Matrix a = Matrix.allocate(arena, 37, 53), b = Matrix.allocate(arena, 53, 29), c = Matrix.allocate(arena, 37, 29);
            for (Matrix m : new Matrix[] {x, a, b}) {
                for (int r = 0; r < m.rows(); r++) {
                    for (int col = 0; col < m.cols(); col++) {
                        m.set(r, col, (float) ((rnd.nextDouble() * 2 - 1) * 12));
                    }
                }
            }
            for (int round = 0; round < rounds; round++) {
                h = 31 * h + bits(x, y, k, 0);
                h = 31 * h + bits(x, y, k, 1);
                h = 31 * h + bits(x, y, k, 2);
                h = 31 * h + bits(x, y, k, 3);
                k.gemm(a, b, c, false);
                h = 31 * h + hashOf(c);
                h = 31 * h + Float.floatToIntBits(k.dot(x, x));
                Matrix v = x.row(0).sliceCols(0, 53), w = Matrix.allocate(arena, 1, 37);
                k.gemv(a, v, w, false);
                h = 31 * h + hashOf(w);
                h = 31 * h + streaming(k, arena, rnd.split());
                h = 31 * h + prepared(k, arena, a, b);
                h = 31 * h + training(k, arena, rnd.split());
                h = 31 * h + crossEntropy(k, x);
            }
        }
        return h;
    }

    private static Matrix random(Arena arena, SplittableRandom rnd, int rows, int cols, double scale) {
        Matrix m = Matrix.allocate(arena, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m.set(r, c, (float) ((rnd.nextDouble() * 2 - 1) * scale));
            }
        }
        return m;
    }

    /** One LSTM and one GRU step of the streaming path: packed products (F32 and BF16, both row orders), then the updates. */
    private static long streaming(Kernels k, Arena arena, SplittableRandom rnd) {
        int hidden = 24, inputs = 64;   // 4H = 96 rows; the parts' widths are whole blocks, so x needs no padding
        Matrix wih = random(arena, rnd, 4 * hidden, inputs, 0.3), whh = random(arena, rnd, 4 * hidden, 32, 0.3);
        Matrix bias = random(arena, rnd, 1, 4 * hidden, 0.1), x = random(arena, rnd, 1, inputs + 32, 1);
        long h = 0;
        for (PackedMatrix.Format format : PackedMatrix.Format.values()) {
            PackedMatrix w = PackedMatrix.pack(arena, format, wih, whh);
            for (boolean lastRowsFirst : new boolean[] {false, true}) {
                Matrix gates = Matrix.allocate(arena, 1, 4 * hidden);
                k.packedGemv(w, 0, inputs, x, bias, gates, false, lastRowsFirst);
                k.packedGemv(w, inputs, w.paddedCols(), x, null, gates, true, lastRowsFirst);
                h = 31 * h + hashOf(gates);
                Matrix c = random(arena, rnd, 1, hidden, 1), state = Matrix.allocate(arena, 1, hidden);
                k.lstmUpdate(gates, c, state);
                h = 31 * h + hashOf(c) * 7 + hashOf(state);
                Matrix rz = random(arena, rnd, 1, 2 * hidden, 3), nx = random(arena, rnd, 1, hidden, 3);
                Matrix nh = random(arena, rnd, 1, hidden, 3), gru = random(arena, rnd, 1, hidden, 1);
                k.gruUpdate(rz, nx, nh, gru);
                h = 31 * h + hashOf(gru);
            }
        }
        return h;
    }

    /** Products with a prepared operand, plain and batch-invariant. */
    private static long prepared(Kernels k, Arena arena, Matrix a, Matrix b) {
        GemmOperand op = k.prepareGemmOperand(b, false, null);
        Matrix c = Matrix.allocate(arena, a.rows(), b.cols());
        k.gemm(a, op, c, false);
        long h = hashOf(c);
        k.gemmBatchInvariant(a, op, c, false);
        h = 31 * h + hashOf(c);
        k.gemmBatchInvariant(a.sliceRows(0, 1), op, c.sliceRows(0, 1), true);
        return 31 * h + hashOf(c);
    }

    /** The fused LSTM and GRU training steps, forward and backward, at a batch of 5. */
    private static long training(Kernels k, Arena arena, SplittableRandom rnd) {
        int batch = 5, hidden = 19;
        Matrix xProj = random(arena, rnd, batch, 4 * hidden, 3), hProj = random(arena, rnd, batch, 4 * hidden, 3);
        Matrix prev = random(arena, rnd, batch, hidden, 1), saved = Matrix.allocate(arena, batch, 5 * hidden);
        Matrix c = Matrix.allocate(arena, batch, hidden), out = Matrix.allocate(arena, batch, hidden);
        Matrix scratch = Matrix.allocate(arena, batch, hidden);
        k.lstmForward(xProj, hProj, prev, saved, c, out);
        long h = 31 * hashOf(saved) + hashOf(c) * 7 + hashOf(out);
        Matrix dh = random(arena, rnd, batch, hidden, 1), dc = random(arena, rnd, batch, hidden, 1);
        Matrix dGates = Matrix.allocate(arena, batch, 4 * hidden);
        k.lstmBackward(saved, prev, dh, dc, dGates, scratch);
        h = 31 * h + hashOf(dGates) * 7 + hashOf(dc);
        Matrix gruX = xProj.sliceCols(0, 3 * hidden), gruH = hProj.sliceCols(0, 3 * hidden);
        Matrix gruSaved = Matrix.allocate(arena, batch, 4 * hidden);
        k.gruForward(gruX, gruH, prev, gruSaved, out, scratch);
        h = 31 * h + hashOf(gruSaved) * 7 + hashOf(out);
        Matrix dx = Matrix.allocate(arena, batch, 3 * hidden), dhProj = Matrix.allocate(arena, batch, 3 * hidden);
        Matrix dPrev = Matrix.allocate(arena, batch, hidden);
        k.gruBackward(gruSaved, prev, dh, dx, dhProj, dPrev, scratch);
        return 31 * h + hashOf(dx) * 7 + hashOf(dhProj) * 3 + hashOf(dPrev);
    }

    /** Cross-entropy of every row against a target, one row ignored. */
    private static long crossEntropy(Kernels k, Matrix logits) {
        int[] targets = new int[logits.rows()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (i * 37) % logits.cols();
        }
        targets[2] = -1;
        float[] losses = new float[targets.length];
        k.crossEntropy(logits, targets, losses);
        long h = 0;
        for (float l : losses) {
            h = 31 * h + Float.floatToIntBits(l);
        }
        return h;
    }

    private static long bits(Matrix x, Matrix y, Kernels k, int fn) {
        switch (fn) {
            case 0 -> k.tanh(x, y);
            case 1 -> k.sigmoid(x, y);
            case 2 -> k.exp(x, y);
            default -> k.softmax(x, y);
        }
        return hashOf(y);
    }

    private static long hashOf(Matrix m) {
        long h = 0;
        for (float f : m.toArray()) {
            h = 31 * h + Float.floatToIntBits(f);
        }
        return h;
    }

    public static void main(String[] args) {
        System.out.println(hash(1));
    }
}
