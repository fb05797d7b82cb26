package dev.rnn.core.kernels;

import static dev.rnn.core.Matrix.FLOAT;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.Shapes;

/**
 * The scalar oracle: one plain loop per kernel, sums accumulated in float from left to right,
 * elementwise functions taken from {@link Math} in double and rounded once. Slow and obviously
 * correct; every other backend is tested against it.
 */
public final class ScalarKernels implements Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorBitSize() {
        return Float.SIZE;
    }

    private static float get(Matrix m, int r, int c) {
        return m.segment().get(FLOAT, m.offset(r, c));
    }

    private static void set(Matrix m, int r, int c, float v) {
        m.segment().set(FLOAT, m.offset(r, c), v);
    }

    // ---- products ----

    @Override
    public void gemm(Matrix a, Matrix b, Matrix c, boolean accumulate) {
        Shapes.requireProduct("gemm", a, a.rows(), a.cols(), b, b.rows(), b.cols(), c);
        int m = c.rows(), n = c.cols(), k = a.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += get(a, i, p) * get(b, p, j);
                }
                set(c, i, j, accumulate ? get(c, i, j) + s : s);
            }
        }
    }

    @Override
    public void gemmTransB(Matrix a, Matrix b, Matrix c, boolean accumulate) {
        Shapes.requireProduct("gemmTransB", a, a.rows(), a.cols(), b, b.cols(), b.rows(), c);
        int m = c.rows(), n = c.cols(), k = a.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += get(a, i, p) * get(b, j, p);
                }
                set(c, i, j, accumulate ? get(c, i, j) + s : s);
            }
        }
    }

    @Override
    public void gemmTransA(Matrix a, Matrix b, Matrix c, boolean accumulate) {
        Shapes.requireProduct("gemmTransA", a, a.cols(), a.rows(), b, b.rows(), b.cols(), c);
        int m = c.rows(), n = c.cols(), k = a.rows();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += get(a, p, i) * get(b, p, j);
                }
                set(c, i, j, accumulate ? get(c, i, j) + s : s);
            }
        }
    }

    @Override
    public void gemv(Matrix a, Matrix x, Matrix y, boolean accumulate) {
        Shapes.requireVector("gemv", "x", x, a.cols());
        Shapes.requireVector("gemv", "y", y, a.rows());
        for (int i = 0; i < a.rows(); i++) {
            float s = 0f;
            for (int j = 0; j < a.cols(); j++) {
                s += get(a, i, j) * get(x, 0, j);
            }
            set(y, 0, i, accumulate ? get(y, 0, i) + s : s);
        }
    }

    @Override
    public void gemvTrans(Matrix a, Matrix x, Matrix y, boolean accumulate) {
        Shapes.requireVector("gemvTrans", "x", x, a.rows());
        Shapes.requireVector("gemvTrans", "y", y, a.cols());
        for (int j = 0; j < a.cols(); j++) {
            float s = 0f;
            for (int i = 0; i < a.rows(); i++) {
                s += get(a, i, j) * get(x, 0, i);
            }
            set(y, 0, j, accumulate ? get(y, 0, j) + s : s);
        }
    }

    // ---- elementwise ----

    @Override
    public void axpy(float alpha, Matrix x, Matrix y) {
        Shapes.requireSameShape("axpy", x, y);
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                set(y, r, c, get(y, r, c) + alpha * get(x, r, c));
            }
        }
    }

    @Override
    public void add(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("add", a, b, out);
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                set(out, r, c, get(a, r, c) + get(b, r, c));
            }
        }
    }

    @Override
    public void sub(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("sub", a, b, out);
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                set(out, r, c, get(a, r, c) - get(b, r, c));
            }
        }
    }

    @Override
    public void addProduct(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("addProduct", a, b, out);
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                set(out, r, c, get(out, r, c) + get(a, r, c) * get(b, r, c));
            }
        }
    }

    @Override
    public void mul(Matrix a, Matrix b, Matrix out) {
        Shapes.requireSameShape("mul", a, b, out);
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                set(out, r, c, get(a, r, c) * get(b, r, c));
            }
        }
    }

    @Override
    public void scale(float s, Matrix x, Matrix out) {
        Shapes.requireSameShape("scale", x, out);
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                set(out, r, c, s * get(x, r, c));
            }
        }
    }

    @Override
    public void addRowVector(Matrix bias, Matrix m) {
        Shapes.requireVector("addRowVector", "bias", bias, m.cols());
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                set(m, r, c, get(m, r, c) + get(bias, 0, c));
            }
        }
    }

    @Override
    public void sumRows(Matrix m, Matrix out, boolean accumulate) {
        Shapes.requireVector("sumRows", "out", out, m.cols());
        for (int c = 0; c < m.cols(); c++) {
            float s = 0f;
            for (int r = 0; r < m.rows(); r++) {
                s += get(m, r, c);
            }
            set(out, 0, c, accumulate ? get(out, 0, c) + s : s);
        }
    }

    // ---- optimizer updates ----

    @Override
    public void adamUpdate(Matrix param, Matrix grad, Matrix first, Matrix second, AdamStep step) {
        Shapes.requireSameShape("adamUpdate", param, grad, first, second);
        float beta1 = step.beta1(), beta2 = step.beta2(), lr = step.learningRate(), eps = step.eps();
        float c1 = step.correction1(), c2 = step.correction2(), decay = step.decay();
        for (int r = 0; r < param.rows(); r++) {
            for (int c = 0; c < param.cols(); c++) {
                float g = get(grad, r, c);
                float m = beta1 * get(first, r, c) + (1 - beta1) * g;
                float v = beta2 * get(second, r, c) + (1 - beta2) * g * g;
                set(first, r, c, m);
                set(second, r, c, v);
                float p = get(param, r, c) * decay;
                set(param, r, c, p - lr * (m / c1) / ((float) Math.sqrt(v / c2) + eps));
            }
        }
    }

    @Override
    public void rmsPropUpdate(Matrix param, Matrix grad, Matrix squares, float decay, float rest, float learningRate, float eps) {
        Shapes.requireSameShape("rmsPropUpdate", param, grad, squares);
        for (int r = 0; r < param.rows(); r++) {
            for (int c = 0; c < param.cols(); c++) {
                float g = get(grad, r, c), v = decay * get(squares, r, c) + rest * g * g;
                set(squares, r, c, v);
                set(param, r, c, get(param, r, c) - learningRate * g / ((float) Math.sqrt(v) + eps));
            }
        }
    }

    @Override
    public void sgdUpdate(Matrix param, Matrix grad, Matrix buffer, float learningRate, float momentum, boolean first,
                          boolean nesterov) {
        Shapes.requireSameShape("sgdUpdate", param, grad);
        if (buffer != null) {
            Shapes.requireSameShape("sgdUpdate", param, buffer);
        }
        for (int r = 0; r < param.rows(); r++) {
            for (int c = 0; c < param.cols(); c++) {
                float g = get(grad, r, c), update = g;
                if (buffer != null) {
                    float b = first ? g : momentum * get(buffer, r, c) + g;
                    set(buffer, r, c, b);
                    update = nesterov ? g + momentum * b : b;
                }
                set(param, r, c, get(param, r, c) - learningRate * update);
            }
        }
    }

    // ---- reductions ----

    @Override
    public float dot(Matrix a, Matrix b) {
        Shapes.requireSameShape("dot", a, b);
        float s = 0f;
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                s += get(a, r, c) * get(b, r, c);
            }
        }
        return s;
    }

    @Override
    public float sumOfSquares(Matrix x) {
        float s = 0f;
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                float v = get(x, r, c);
                s += v * v;
            }
        }
        return s;
    }

    /** op(B) (k×n) copied column by column, values[j·k + p], so that each dot product reads in order. */
    private record Operand(int rows, int cols, float[] values) implements GemmOperand {
    }

    @Override
    public GemmOperand prepareGemmOperand(Matrix b, boolean transB, GemmOperand reuse) {
        int k = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
        float[] values = reuse instanceof Operand o && o.rows() == k && o.cols() == n ? o.values() : new float[k * n];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                values[j * k + p] = transB ? get(b, j, p) : get(b, p, j);
            }
        }
        return reuse instanceof Operand o && o.values() == values ? o : new Operand(k, n, values);
    }

    @Override
    public void gemm(Matrix a, GemmOperand b, Matrix c, boolean accumulate) {
        if (!(b instanceof Operand op)) {
            throw new IllegalArgumentException("gemm: the operand was prepared by another backend");
        }
        Shapes.requirePreparedProduct(a, op.rows(), op.cols(), c);
        int k = op.rows(), n = op.cols();
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += get(a, i, p) * op.values()[j * k + p];
                }
                set(c, i, j, accumulate ? get(c, i, j) + s : s);
            }
        }
    }

    /** The prepared product above: it has no single-row shortcut, so every row is already summed the same way. */
    @Override
    public void gemmBatchInvariant(Matrix a, GemmOperand b, Matrix c, boolean accumulate) {
        gemm(a, b, c, accumulate);
    }

    // ---- batch-1 streaming kernels ----

    @Override
    public void packedGemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate,
                           boolean lastRowsFirst) {
        Shapes.requirePackedGemv(w, colFrom, colTo, x, bias, y);
        for (int r = 0; r < w.rows(); r++) {
            int i = lastRowsFirst ? w.rows() - 1 - r : r;
            float s = 0f;
            for (int j = colFrom; j < colTo; j++) {
                s += w.get(i, j) * get(x, 0, j);
            }
            if (bias != null) {
                s += get(bias, 0, i);
            }
            set(y, 0, i, accumulate ? get(y, 0, i) + s : s);
        }
    }

    @Override
    public void lstmUpdate(Matrix gates, Matrix c, Matrix h) {
        Shapes.requireLstmUpdate(gates, c, h);
        int n = c.cols();
        for (int r = 0; r < c.rows(); r++) {
            for (int j = 0; j < n; j++) {
                float i = sigmoid(get(gates, r, j)), f = sigmoid(get(gates, r, n + j));
                float g = tanh(get(gates, r, 2 * n + j)), o = sigmoid(get(gates, r, 3 * n + j));
                float cell = f * get(c, r, j) + i * g;
                set(c, r, j, cell);
                set(h, r, j, o * tanh(cell));
            }
        }
    }

    @Override
    public void gruUpdate(Matrix rz, Matrix nx, Matrix nh, Matrix h) {
        Shapes.requireGruUpdate(rz, nx, nh, h);
        int n = h.cols();
        for (int r = 0; r < h.rows(); r++) {
            for (int j = 0; j < n; j++) {
                float reset = sigmoid(get(rz, r, j)), update = sigmoid(get(rz, r, n + j));
                float candidate = tanh(get(nx, r, j) + reset * get(nh, r, j));
                set(h, r, j, (1 - update) * candidate + update * get(h, r, j));
            }
        }
    }

    /** σ(x) in double, rounded once: the oracle's sigmoid everywhere. */
    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    private static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    // ---- activations ----

    @Override
    public void tanh(Matrix x, Matrix out) {
        Shapes.requireSameShape("tanh", x, out);
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                set(out, r, c, tanh(get(x, r, c)));
            }
        }
    }

    @Override
    public void sigmoid(Matrix x, Matrix out) {
        Shapes.requireSameShape("sigmoid", x, out);
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                set(out, r, c, sigmoid(get(x, r, c)));
            }
        }
    }

    @Override
    public void relu(Matrix x, Matrix out) {
        Shapes.requireSameShape("relu", x, out);
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                set(out, r, c, Math.max(get(x, r, c), 0f));
            }
        }
    }

    @Override
    public void exp(Matrix x, Matrix out) {
        Shapes.requireSameShape("exp", x, out);
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.cols(); c++) {
                set(out, r, c, (float) Math.exp(get(x, r, c)));
            }
        }
    }

    @Override
    public void tanhBackward(Matrix y, Matrix dy, Matrix dx) {
        Shapes.requireSameShape("tanhBackward", y, dy, dx);
        for (int r = 0; r < y.rows(); r++) {
            for (int c = 0; c < y.cols(); c++) {
                float v = get(y, r, c);
                set(dx, r, c, get(dy, r, c) * (1f - v * v));
            }
        }
    }

    @Override
    public void sigmoidBackward(Matrix y, Matrix dy, Matrix dx) {
        Shapes.requireSameShape("sigmoidBackward", y, dy, dx);
        for (int r = 0; r < y.rows(); r++) {
            for (int c = 0; c < y.cols(); c++) {
                float v = get(y, r, c);
                set(dx, r, c, get(dy, r, c) * (v * (1f - v)));
            }
        }
    }

    @Override
    public void reluBackward(Matrix y, Matrix dy, Matrix dx) {
        Shapes.requireSameShape("reluBackward", y, dy, dx);
        for (int r = 0; r < y.rows(); r++) {
            for (int c = 0; c < y.cols(); c++) {
                set(dx, r, c, get(y, r, c) > 0f ? get(dy, r, c) : 0f);
            }
        }
    }

    // ---- row-wise probability kernels ----

    private static float rowMax(Matrix m, int r) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < m.cols(); c++) {
            max = Math.max(max, get(m, r, c));
        }
        return max;
    }

    private static float rowSumExp(Matrix m, int r, float max) {
        float s = 0f;
        for (int c = 0; c < m.cols(); c++) {
            s += (float) Math.exp(get(m, r, c) - max);
        }
        return s;
    }

    @Override
    public void softmax(Matrix logits, Matrix out) {
        Shapes.requireSameShape("softmax", logits, out);
        for (int r = 0; r < logits.rows(); r++) {
            float max = rowMax(logits, r);
            float sum = rowSumExp(logits, r, max);
            float inv = 1f / sum;
            for (int c = 0; c < logits.cols(); c++) {
                set(out, r, c, (float) Math.exp(get(logits, r, c) - max) * inv);
            }
        }
    }

    @Override
    public void logSoftmax(Matrix logits, Matrix out) {
        Shapes.requireSameShape("logSoftmax", logits, out);
        for (int r = 0; r < logits.rows(); r++) {
            float max = rowMax(logits, r);
            float logSum = (float) Math.log(rowSumExp(logits, r, max));
            for (int c = 0; c < logits.cols(); c++) {
                set(out, r, c, (get(logits, r, c) - max) - logSum);
            }
        }
    }

    @Override
    public void crossEntropy(Matrix logits, int[] targets, float[] losses) {
        Shapes.requireTargets("crossEntropy", logits, targets, losses);
        for (int r = 0; r < logits.rows(); r++) {
            if (targets[r] < 0) {
                losses[r] = 0f;
                continue;
            }
            float max = rowMax(logits, r);
            float logSum = (float) Math.log(rowSumExp(logits, r, max));
            losses[r] = logSum - (get(logits, r, targets[r]) - max);
        }
    }
}
