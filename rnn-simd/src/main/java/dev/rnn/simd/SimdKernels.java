package dev.rnn.simd;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.kernels.AdamStep;
import dev.rnn.core.kernels.GemmOperand;
import dev.rnn.core.Shapes;
import dev.rnn.core.kernels.Kernels;

/**
 * {@link Kernels} on the Vector API, reading and writing the matrices' {@code MemorySegment}s
 * directly. Each method checks shapes (with the same messages as the scalar oracle) and hands the
 * work to one kernel family: {@link SimdGemm}, {@link SimdGemv}, {@link SimdElementwise},
 * {@link SimdReductions}, {@link SimdActivations}, {@link SimdSoftmax}, {@link SimdCellSteps},
 * {@link SimdOptimizers}.
 *
 * <p>{@code -Drnn.threads=N} lets a large product on shared, global or automatic memory use N threads,
 * the caller included, with the same bits for any N; so do large elementwise jobs, cell steps and
 * optimizer updates, cut into row, column or element ranges ({@link SimdSplits}). The default is 1: these kernels start no threads
 * of their own unless asked.
 */
public final class SimdKernels implements Kernels {

    /** Whether the JIT was told to inline the vector math everywhere (see {@link InlineDirective}). */
    static final boolean INLINE_DIRECTIVE = InlineDirective.install();

    static final SimdKernels INSTANCE = new SimdKernels();

    private SimdKernels() {
    }

    /** Width of the vectors this JVM's SIMD kernels use (without creating the kernels). */
    static int vectorBits() {
        return SimdConstants.SPECIES.vectorBitSize();
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int vectorBitSize() {
        return SimdConstants.SPECIES.vectorBitSize();
    }

    @Override
    public void gemm(Matrix a, Matrix b, Matrix c, boolean accumulate) {
        Shapes.requireProduct("gemm", a, a.rows(), a.cols(), b, b.rows(), b.cols(), c);
        SimdGemm.multiply(a, false, b, false, c, accumulate);
    }

    @Override
    public void gemmTransB(Matrix a, Matrix b, Matrix c, boolean accumulate) {
        Shapes.requireProduct("gemmTransB", a, a.rows(), a.cols(), b, b.cols(), b.rows(), c);
        SimdGemm.multiply(a, false, b, true, c, accumulate);
    }

    @Override
    public void gemmTransA(Matrix a, Matrix b, Matrix c, boolean accumulate) {
        Shapes.requireProduct("gemmTransA", a, a.cols(), a.rows(), b, b.rows(), b.cols(), c);
        SimdGemm.multiply(a, true, b, false, c, accumulate);
    }

    @Override
    public void gemv(Matrix a, Matrix x, Matrix y, boolean accumulate) {
        Shapes.requireVector("gemv", "x", x, a.cols());
        Shapes.requireVector("gemv", "y", y, a.rows());
        SimdGemv.gemv(a.segment(), 0, a.stride(), a.rows(), a.cols(), x.segment(), 0, y.segment(), 0, accumulate);
    }

    @Override
    public void gemvTrans(Matrix a, Matrix x, Matrix y, boolean accumulate) {
        Shapes.requireVector("gemvTrans", "x", x, a.rows());
        Shapes.requireVector("gemvTrans", "y", y, a.cols());
        SimdGemv.gemvTrans(a.segment(), 0, a.stride(), a.rows(), a.cols(), x.segment(), 0, y.segment(), 0, accumulate);
    }

    @Override
    public void axpy(float alpha, Matrix x, Matrix y) {
        Shapes.requireSameShape("axpy", x, y);
        SimdElementwise.axpy(alpha, x, y);
    }

    @Override
    public void add(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("add", a, b, out);
        int units = SimdElementwise.units(a, b, out), parts = SimdSplits.parts(a.size(), SimdSplits.MIN_ARITHMETIC_FLOATS, units, a, b, out, out);
        if (parts == 1) {
            SimdElementwise.add(a, b, out, 0, units);
            return;
        }
        int align = SimdElementwise.unitAlignment(a, b, out);
        GemmThreads.run((part, count) -> SimdElementwise.add(a, b, out, SimdSplits.start(units, part, count, align),
                SimdSplits.start(units, part + 1, count, align)), parts);
    }

    @Override
    public void sub(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("sub", a, b, out);
        binary(SimdElementwise.SUB, a, b, out);
    }

    @Override
    public void addProduct(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("addProduct", a, b, out);
        binary(SimdElementwise.ADD_PRODUCT, a, b, out);
    }

    @Override
    public void mul(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("mul", a, b, out);
        binary(SimdElementwise.MUL, a, b, out);
    }

    @Override
    public void scale(float s, Matrix x, Matrix out) {
        Shapes.requireSameShape("scale", x, out);
        int units = SimdElementwise.units(x, out, out), parts = SimdSplits.parts(x.size(), SimdSplits.MIN_ARITHMETIC_FLOATS, units, x, out);
        if (parts == 1) {
            SimdElementwise.scale(s, x, out, 0, units);
            return;
        }
        int align = SimdElementwise.unitAlignment(x, out, out);
        GemmThreads.run((part, count) -> SimdElementwise.scale(s, x, out, SimdSplits.start(units, part, count, align),
                SimdSplits.start(units, part + 1, count, align)), parts);
    }

    /** out = f(x), split by element (or row) ranges when large: each element gets f whichever range it is in. */
    private static void map(int fn, Matrix x, Matrix out) {
        int units = SimdElementwise.units(x, out, out), parts = SimdSplits.parts(x.size(), SimdSplits.MIN_CELL_FLOATS, units, x, out);
        if (parts == 1) {
            SimdActivations.map(fn, x, out, 0, units);
            return;
        }
        int align = SimdElementwise.unitAlignment(x, out, out);
        GemmThreads.run((part, count) -> SimdActivations.map(fn, x, out, SimdSplits.start(units, part, count, align),
                SimdSplits.start(units, part + 1, count, align)), parts);
    }

    /** out = a − b, a ⊙ b or out + a ⊙ b, split by element (or row) ranges when large. */
    private static void binary(int op, Matrix a, Matrix b, Matrix out) {
        int units = SimdElementwise.units(a, b, out), parts = SimdSplits.parts(a.size(), SimdSplits.MIN_ARITHMETIC_FLOATS, units, a, b, out, out);
        if (parts == 1) {
            SimdElementwise.binary(op, a, b, out, 0, units);
            return;
        }
        int align = SimdElementwise.unitAlignment(a, b, out);
        GemmThreads.run((part, count) -> SimdElementwise.binary(op, a, b, out, SimdSplits.start(units, part, count, align),
                SimdSplits.start(units, part + 1, count, align)), parts);
    }

    @Override
    public void addRowVector(Matrix bias, Matrix m) {
        Shapes.requireVector("addRowVector", "bias", bias, m.cols());
        int rows = m.rows(), parts = SimdSplits.parts(m.size(), SimdSplits.MIN_ARITHMETIC_FLOATS, rows, bias, m);
        if (parts == 1) {
            SimdElementwise.addRowVector(bias, m, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdElementwise.addRowVector(bias, m, SimdSplits.start(rows, part, count, 1),
                SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void sumRows(Matrix m, Matrix out, boolean accumulate) {
        Shapes.requireVector("sumRows", "out", out, m.cols());
        // split by columns: each column is still summed from the first row to the last
        int cols = m.cols(), parts = SimdSplits.parts(m.size(), SimdSplits.MIN_ARITHMETIC_FLOATS, cols / SimdConstants.LANES, m, out);
        if (parts == 1) {
            SimdElementwise.sumRows(m, out, accumulate, 0, cols);
            return;
        }
        GemmThreads.run((part, count) -> SimdElementwise.sumRows(m, out, accumulate, SimdSplits.start(cols, part, count, SimdConstants.LANES),
                SimdSplits.start(cols, part + 1, count, SimdConstants.LANES)), parts);
    }

    @Override
    public void adamUpdate(Matrix param, Matrix grad, Matrix first, Matrix second, AdamStep step) {
        Shapes.requireSameShape("adamUpdate", param, grad, first, second);
        int units = SimdOptimizers.units(param, grad, first, second);
        int parts = SimdSplits.parts(param.size(), SimdSplits.MIN_UPDATE_FLOATS, units, param, grad, first, second);
        if (parts == 1) {
            SimdOptimizers.adam(param, grad, first, second, step, 0, units);
            return;
        }
        int align = SimdOptimizers.contiguous(param, grad, first, second) ? SimdConstants.LANES : 1;
        GemmThreads.run((part, count) -> SimdOptimizers.adam(param, grad, first, second, step, SimdSplits.start(units, part, count, align),
                SimdSplits.start(units, part + 1, count, align)), parts);
    }

    @Override
    public float dot(Matrix a, Matrix b) {
        Shapes.requireSameShape("dot", a, b);
        return SimdReductions.dot(a, b);
    }

    @Override
    public float sumOfSquares(Matrix x) {
        return SimdReductions.sumOfSquares(x);
    }

    @Override
    public GemmOperand prepareGemmOperand(Matrix b, boolean transB, GemmOperand reuse) {
        return SimdGemm.prepare(b, transB, reuse);
    }

    @Override
    public void gemm(Matrix a, GemmOperand b, Matrix c, boolean accumulate) {
        if (!(b instanceof SimdGemm.Prepared p)) {
            throw new IllegalArgumentException("gemm: the operand was prepared by another backend");
        }
        Shapes.requirePreparedProduct(a, p.rows(), p.cols(), c);
        SimdGemm.multiply(a, p, c, accumulate);
    }

    @Override
    public void gemmBatchInvariant(Matrix a, GemmOperand b, Matrix c, boolean accumulate) {
        if (!(b instanceof SimdGemm.Prepared p)) {
            throw new IllegalArgumentException("gemmBatchInvariant: the operand was prepared by another backend");
        }
        Shapes.requirePreparedProduct(a, p.rows(), p.cols(), c);
        SimdGemm.multiplyPacked(a, p, c, accumulate);
    }

    @Override
    public void packedGemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate,
                           boolean lastRowsFirst) {
        Shapes.requirePackedGemv(w, colFrom, colTo, x, bias, y);
        SimdPackedGemv.gemv(w, colFrom, colTo, x, bias, y, accumulate, lastRowsFirst);
    }

    @Override
    public void lstmUpdate(Matrix gates, Matrix c, Matrix h) {
        Shapes.requireLstmUpdate(gates, c, h);
        SimdCellUpdates.lstm(gates, c, h);
    }

    @Override
    public void gruUpdate(Matrix rz, Matrix nx, Matrix nh, Matrix h) {
        Shapes.requireGruUpdate(rz, nx, nh, h);
        SimdCellUpdates.gru(rz, nx, nh, h);
    }

    @Override
    public void rmsPropUpdate(Matrix param, Matrix grad, Matrix squares, float decay, float rest, float learningRate, float eps) {
        Shapes.requireSameShape("rmsPropUpdate", param, grad, squares);
        int units = SimdOptimizers.units(param, grad, squares, squares);
        int parts = SimdSplits.parts(param.size(), SimdSplits.MIN_UPDATE_FLOATS, units, param, grad, squares, squares);
        if (parts == 1) {
            SimdOptimizers.rmsProp(param, grad, squares, decay, rest, learningRate, eps, 0, units);
            return;
        }
        int align = SimdOptimizers.contiguous(param, grad, squares, squares) ? SimdConstants.LANES : 1;
        GemmThreads.run((part, count) -> SimdOptimizers.rmsProp(param, grad, squares, decay, rest, learningRate, eps,
                SimdSplits.start(units, part, count, align), SimdSplits.start(units, part + 1, count, align)), parts);
    }

    @Override
    public void sgdUpdate(Matrix param, Matrix grad, Matrix buffer, float learningRate, float momentum, boolean first,
                          boolean nesterov) {
        Shapes.requireSameShape("sgdUpdate", param, grad);
        Matrix b = buffer == null ? grad : buffer;
        Shapes.requireSameShape("sgdUpdate", param, b);
        int units = SimdOptimizers.units(param, grad, b, b);
        int parts = SimdSplits.parts(param.size(), SimdSplits.MIN_UPDATE_FLOATS, units, param, grad, b, b);
        if (parts == 1) {
            SimdOptimizers.sgd(param, grad, buffer, learningRate, momentum, first, nesterov, 0, units);
            return;
        }
        int align = SimdOptimizers.contiguous(param, grad, b, b) ? SimdConstants.LANES : 1;
        GemmThreads.run((part, count) -> SimdOptimizers.sgd(param, grad, buffer, learningRate, momentum, first, nesterov,
                SimdSplits.start(units, part, count, align), SimdSplits.start(units, part + 1, count, align)), parts);
    }

    @Override
    public void lstmForward(Matrix xProj, Matrix hProj, Matrix cPrev, Matrix saved, Matrix c, Matrix h) {
        Shapes.requireLstmStep(xProj, hProj, cPrev, saved, c, h);
        int rows = c.rows(), parts = SimdSplits.parts(c.size(), SimdSplits.MIN_CELL_FLOATS, rows, xProj,
                hProj == null ? xProj : hProj, cPrev, saved, c, h);
        if (parts == 1) {
            SimdCellSteps.lstmForward(xProj, hProj, cPrev, saved, c, h, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdCellSteps.lstmForward(xProj, hProj, cPrev, saved, c, h,
                SimdSplits.start(rows, part, count, 1), SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void lstmBackward(Matrix saved, Matrix cPrev, Matrix dh, Matrix dc, Matrix dGates, Matrix scratch) {
        Shapes.requireLstmStep(dGates, dGates, cPrev, saved, dc, dh);
        Shapes.requireSameShape("lstmBackward", dh, scratch);   // unused here, checked as the default does
        int rows = dh.rows(), parts = SimdSplits.parts(dh.size(), SimdSplits.MIN_CELL_FLOATS, rows, saved, cPrev, dh, dc, dGates, dGates);
        if (parts == 1) {
            SimdCellSteps.lstmBackward(saved, cPrev, dh, dc, dGates, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdCellSteps.lstmBackward(saved, cPrev, dh, dc, dGates,
                SimdSplits.start(rows, part, count, 1), SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void gruForward(Matrix xProj, Matrix hProj, Matrix hPrev, Matrix saved, Matrix h, Matrix scratch) {
        Shapes.requireGruStep(xProj, hProj, hPrev, saved, h);
        Shapes.requireSameShape("gruForward", h, scratch);
        int rows = h.rows(), parts = SimdSplits.parts(h.size(), SimdSplits.MIN_CELL_FLOATS, rows, xProj, hProj, hPrev, saved, h, h);
        if (parts == 1) {
            SimdCellSteps.gruForward(xProj, hProj, hPrev, saved, h, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdCellSteps.gruForward(xProj, hProj, hPrev, saved, h,
                SimdSplits.start(rows, part, count, 1), SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void gruBackward(Matrix saved, Matrix hPrev, Matrix dh, Matrix dxProj, Matrix dhProj, Matrix dhPrev,
                            Matrix scratch) {
        Shapes.requireGruStep(dxProj, dhProj, hPrev, saved, dh);
        Shapes.requireSameShape("gruBackward", dh, dhPrev, scratch);
        int rows = dh.rows(), parts = SimdSplits.parts(dh.size(), SimdSplits.MIN_CELL_FLOATS, rows, saved, hPrev, dh, dxProj, dhProj, dhPrev);
        if (parts == 1) {
            SimdCellSteps.gruBackward(saved, hPrev, dh, dxProj, dhProj, dhPrev, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdCellSteps.gruBackward(saved, hPrev, dh, dxProj, dhProj, dhPrev,
                SimdSplits.start(rows, part, count, 1), SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void tanh(Matrix x, Matrix out) {
        Shapes.requireSameShape("tanh", x, out);
        map(SimdActivations.TANH, x, out);
    }

    @Override
    public void sigmoid(Matrix x, Matrix out) {
        Shapes.requireSameShape("sigmoid", x, out);
        map(SimdActivations.SIGMOID, x, out);
    }

    @Override
    public void relu(Matrix x, Matrix out) {
        Shapes.requireSameShape("relu", x, out);
        map(SimdActivations.RELU, x, out);
    }

    @Override
    public void exp(Matrix x, Matrix out) {
        Shapes.requireSameShape("exp", x, out);
        map(SimdActivations.EXP, x, out);
    }

    @Override
    public void tanhBackward(Matrix y, Matrix dy, Matrix dx) {
        Shapes.requireSameShape("tanhBackward", y, dy, dx);
        SimdActivations.backward(SimdActivations.TANH_BACKWARD, y, dy, dx);
    }

    @Override
    public void sigmoidBackward(Matrix y, Matrix dy, Matrix dx) {
        Shapes.requireSameShape("sigmoidBackward", y, dy, dx);
        SimdActivations.backward(SimdActivations.SIGMOID_BACKWARD, y, dy, dx);
    }

    @Override
    public void reluBackward(Matrix y, Matrix dy, Matrix dx) {
        Shapes.requireSameShape("reluBackward", y, dy, dx);
        SimdActivations.backward(SimdActivations.RELU_BACKWARD, y, dy, dx);
    }

    @Override
    public void softmax(Matrix logits, Matrix out) {
        Shapes.requireSameShape("softmax", logits, out);
        int rows = logits.rows(), parts = SimdSplits.parts(logits.size(), SimdSplits.MIN_CELL_FLOATS, rows, logits, out);
        if (parts == 1) {
            SimdSoftmax.softmax(logits, out, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdSoftmax.softmax(logits, out, SimdSplits.start(rows, part, count, 1),
                SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void logSoftmax(Matrix logits, Matrix out) {
        Shapes.requireSameShape("logSoftmax", logits, out);
        int rows = logits.rows(), parts = SimdSplits.parts(logits.size(), SimdSplits.MIN_CELL_FLOATS, rows, logits, out);
        if (parts == 1) {
            SimdSoftmax.logSoftmax(logits, out, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdSoftmax.logSoftmax(logits, out, SimdSplits.start(rows, part, count, 1),
                SimdSplits.start(rows, part + 1, count, 1)), parts);
    }

    @Override
    public void crossEntropy(Matrix logits, int[] targets, float[] losses) {
        Shapes.requireTargets("crossEntropy", logits, targets, losses);
        int rows = logits.rows(), parts = SimdSplits.parts(logits.size(), SimdSplits.MIN_CELL_FLOATS, rows, logits, logits);
        if (parts == 1) {
            SimdSoftmax.crossEntropy(logits, targets, losses, 0, rows);
            return;
        }
        GemmThreads.run((part, count) -> SimdSoftmax.crossEntropy(logits, targets, losses, SimdSplits.start(rows, part, count, 1),
                SimdSplits.start(rows, part + 1, count, 1)), parts);
    }
}
