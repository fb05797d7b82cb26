package dev.rnn.core.kernels;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.Shapes;

/**
 * The numerical kernels every cell and layer is written against. Two implementations exist:
 * {@link ScalarKernels} (plain loops, the oracle) and the Vector API one in {@code rnn-simd}.
 * {@link #preferred()} gives the one chosen for this JVM.
 *
 * <p>Layouts: every argument is a {@link Matrix} (row-major, any row stride); a vector is a
 * {@code 1×n} matrix. Shapes are given as rows×cols. Shapes that do not fit throw
 * {@link IllegalArgumentException} naming the operation and the shapes, before anything is written.
 *
 * <p>Aliasing: elementwise operations may write into one of their inputs (the same view); products
 * ({@code gemm*}, {@code gemv*}) must not write into memory they read.
 *
 * <p>Floating point: sums are accumulated in float, in an order each implementation chooses, so the
 * two backends agree within about {@code n·2⁻²⁴·Σ|aᵢbᵢ|}. NaN propagates: a NaN input makes the
 * outputs that depend on it NaN. Implementations are stateless and safe to share between threads.
 */
public interface Kernels {

    /** Short name: {@code scalar} or {@code simd}. */
    String name();

    /** Width of the vectors used, in bits (32 for the scalar backend). */
    int vectorBitSize();

    /** Floats processed per vector operation (1 for the scalar backend). */
    default int floatLanes() {
        return vectorBitSize() / Float.SIZE;
    }

    // ---- products ----

    /** C (m×n) = A (m×k) · B (k×n), or C += A·B when {@code accumulate}. */
    void gemm(Matrix a, Matrix b, Matrix c, boolean accumulate);

    /** C (m×n) = A (m×k) · Bᵀ where B is n×k, or C += A·Bᵀ when {@code accumulate}. */
    void gemmTransB(Matrix a, Matrix b, Matrix c, boolean accumulate);

    /** C (m×n) = Aᵀ · B (k×n) where A is k×m, or C += Aᵀ·B when {@code accumulate}. */
    void gemmTransA(Matrix a, Matrix b, Matrix c, boolean accumulate);

    /** y (1×m) = A (m×n) · x (1×n), or y += A·x when {@code accumulate}. */
    void gemv(Matrix a, Matrix x, Matrix y, boolean accumulate);

    /** y (1×n) = Aᵀ · x (1×m) where A is m×n, or y += Aᵀ·x when {@code accumulate}. */
    void gemvTrans(Matrix a, Matrix x, Matrix y, boolean accumulate);

    // ---- elementwise (all shapes equal) ----

    /** y += alpha·x. */
    void axpy(float alpha, Matrix x, Matrix y);

    /** out = a + b. */
    void add(Matrix a, Matrix b, Matrix out);

    /** out = a − b. */
    void sub(Matrix a, Matrix b, Matrix out);

    /** out = a ⊙ b (elementwise product). */
    void mul(Matrix a, Matrix b, Matrix out);

    /** out += a ⊙ b (the product may be fused with the addition). */
    void addProduct(Matrix a, Matrix b, Matrix out);

    /** out = s·x. */
    void scale(float s, Matrix x, Matrix out);

    /** Every row of m (rows×n) += bias (1×n). */
    void addRowVector(Matrix bias, Matrix m);

    /** out (1×n) = Σ over rows of m (rows×n), or out += that sum when {@code accumulate}. */
    void sumRows(Matrix m, Matrix out, boolean accumulate);

    // ---- reductions ----

    /** Σ aᵢ·bᵢ over all elements of two same-shaped matrices. */
    float dot(Matrix a, Matrix b);

    /** Σ xᵢ² over all elements. */
    float sumOfSquares(Matrix x);

    // ---- optimizer updates ----

    /**
     * One Adam or AdamW step over a parameter p, its gradient g and its moment estimates m and v (all the
     * same shape), elementwise in float with every operation rounded in this order:
     * m ← β1·m + (1 − β1)·g, v ← β2·v + ((1 − β2)·g)·g, p ← p·decay − (lr·(m / c1)) / (√(v / c2) + ε),
     * where the square root is correctly rounded. No operation is fused or reordered, so every backend
     * gives the same bits, for any thread count. g is only read.
     */
    void adamUpdate(Matrix param, Matrix grad, Matrix first, Matrix second, AdamStep step);

    /**
     * One RMSprop or Adagrad step over a parameter p, its gradient g and its running squares v (same
     * shape): v ← decay·v + (rest·g)·g, p ← p − (lr·g) / (√v + ε), every operation rounded in this order
     * (RMSprop: decay α, rest 1 − α; Adagrad: decay = rest = 1, whose products are exact, so v ← v + g·g).
     * Every backend gives the same bits, for any thread count. g is only read.
     */
    void rmsPropUpdate(Matrix param, Matrix grad, Matrix squares, float decay, float rest, float learningRate, float eps);

    /**
     * One SGD step over a parameter p and its gradient g (same shape). With a momentum buffer b (same
     * shape): b ← μ·b + g (b ← g on the first step), then p ← p − lr·u with u = g + μ·b (Nesterov) or
     * u = b; without one (null), p ← p − lr·g. Every operation rounded in this order: every backend gives
     * the same bits, for any thread count. g is only read.
     */
    void sgdUpdate(Matrix param, Matrix grad, Matrix buffer, float learningRate, float momentum, boolean first,
                   boolean nesterov);

    // ---- activations and their derivatives, written from the activation's value y ----

    /** out = tanh(x). */
    void tanh(Matrix x, Matrix out);

    /** out = σ(x) = 1 / (1 + e⁻ˣ). */
    void sigmoid(Matrix x, Matrix out);

    /** out = max(x, 0); NaN stays NaN. */
    void relu(Matrix x, Matrix out);

    /** out = eˣ. */
    void exp(Matrix x, Matrix out);

    /** dx = dy ⊙ (1 − y²), where y = tanh(x). */
    void tanhBackward(Matrix y, Matrix dy, Matrix dx);

    /** dx = dy ⊙ y ⊙ (1 − y), where y = σ(x). */
    void sigmoidBackward(Matrix y, Matrix dy, Matrix dx);

    /** dx = dy where y &gt; 0, else 0, where y = relu(x). */
    void reluBackward(Matrix y, Matrix dy, Matrix dx);

    // ---- row-wise probability kernels over logits (rows×classes) ----

    /**
     * Row-wise softmax, computed as exp(x − max) / Σ exp(x − max) so that large logits do not
     * overflow. A row containing NaN or +∞ gives NaN where the result is undefined.
     */
    void softmax(Matrix logits, Matrix out);

    /** Row-wise log-softmax, (x − max) − log Σ exp(x − max): no large intermediate sums, so rows of equal logits give exactly −log n. */
    void logSoftmax(Matrix logits, Matrix out);

    /**
     * Row-wise cross-entropy against target class indices: {@code losses[i] = −log softmax(logits)[i, targets[i]]}.
     * A negative target marks a row to ignore (padding): its loss is 0. {@code targets} has one
     * entry per row, {@code losses} at least one (extra entries are left alone); a target ≥ classes throws.
     */
    void crossEntropy(Matrix logits, int[] targets, float[] losses);

    /**
     * Prepares op(B) (B, or Bᵀ when {@code transB}) for {@link #gemm(Matrix, GemmOperand, Matrix, boolean)}.
     * After B changes, prepare it again (an operand may also keep reading B itself, for example for
     * single-row products); passing the previous operand as {@code reuse} (or null) lets the backend
     * recycle its memory when the shape is unchanged.
     */
    GemmOperand prepareGemmOperand(Matrix b, boolean transB, GemmOperand reuse);

    /** C (m×n) = A (m×k) · op(B) (k×n) for a prepared op(B), or C += that when {@code accumulate}. */
    void gemm(Matrix a, GemmOperand b, Matrix c, boolean accumulate);

    /**
     * As {@link #gemm(Matrix, GemmOperand, Matrix, boolean)}, with a batch-invariant contract: row i of C
     * depends only on row i of A, op(B) and (when accumulating) row i of C. Each row is summed in one fixed
     * order whatever m, the other rows and the thread count, so a row computed alone (m = 1) has the bits it
     * has in any batch. It reads only the operand's prepared copy, never B itself, so B may be freed once
     * the operand is prepared.
     *
     * <p>The plain prepared {@code gemm} gives no such promise: the SIMD backend multiplies a single row as a
     * matrix-vector product, which sums in another order. This one never does, at the price of speed for
     * very few rows (the SIMD backend computes panels of 12 rows, zeros included).
     */
    void gemmBatchInvariant(Matrix a, GemmOperand b, Matrix c, boolean accumulate);

    // ---- batch-1 streaming kernels ----

    /**
     * y (1×n) = W[:, colFrom..colTo)·x[colFrom..colTo) + bias over the n = w.rows() rows of a packed
     * matrix, or y += that when {@code accumulate}. bias (1×n) may be null. colFrom and colTo are
     * multiples of {@link PackedMatrix#BLOCK} within w.paddedCols(); x is a contiguous 1×m vector with
     * m ≥ colTo, in the matrix's padded column positions.
     */
    default void packedGemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate) {
        packedGemv(w, colFrom, colTo, x, bias, y, accumulate, false);
    }

    /**
     * As {@link #packedGemv(PackedMatrix, int, int, Matrix, Matrix, Matrix, boolean)}, reading w's rows
     * last to first when {@code lastRowsFirst}, with the same result bits (each output still sums its
     * columns in the same order). A caller that multiplies by one matrix step after step should alternate
     * the flag: each product then starts on the rows the previous one read last, which are still in
     * cache. When the matrix nearly fills the core's L2 cache, a strictly repeated order loses every line
     * of any cache set it overfills on every product (least-recently-used eviction); alternating keeps most
     * of them.
     */
    void packedGemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate,
                    boolean lastRowsFirst);

    /**
     * The LSTM state update from pre-activation gates (B×4H, blocks i, f, g, o):
     * c ← σ(f)⊙c + σ(i)⊙tanh(g), then h = σ(o)⊙tanh(c). c (B×H) is updated in place; h is B×H.
     * {@code gates} may be overwritten (implementations use it as scratch).
     */
    void lstmUpdate(Matrix gates, Matrix c, Matrix h);

    /**
     * The GRU state update: r = σ(rz[:, :H]), z = σ(rz[:, H:]), n = tanh(nx + r⊙nh),
     * h ← (1 − z)⊙n + z⊙h, where rz (B×2H) holds the summed input and recurrent pre-activations of
     * r and z, nx (B×H) the input part of n with b_in, nh (B×H) the recurrent part with b_hn. h
     * (B×H) is updated in place. {@code rz} and {@code nx} may be overwritten (used as scratch).
     */
    void gruUpdate(Matrix rz, Matrix nx, Matrix nh, Matrix h);

    // ---- fused training steps of the cells: forward keeping what backward needs, and backward ----

    /**
     * One LSTM step forward for training. With gates = xProj + hProj (B×4H, blocks i, f, g, o), writes
     * saved (B×5H) = [σ(i), σ(f), tanh(g), σ(o), tanh(c')], c' = σ(f)⊙cPrev + σ(i)⊙tanh(g) (B×H) and
     * h' = σ(o)⊙tanh(c') (B×H). hProj may be null when xProj already holds the whole pre-activations
     * (a product of [x | h] with [W_ih | W_hh]): gates = xProj. The result is defined as this default's
     * sequence of elementwise kernels; an implementation may fuse them, with the same bits. xProj and
     * hProj are not written.
     */
    default void lstmForward(Matrix xProj, Matrix hProj, Matrix cPrev, Matrix saved, Matrix c, Matrix h) {
        Shapes.requireLstmStep(xProj, hProj, cPrev, saved, c, h);
        int n = c.cols();
        Matrix gates = saved.sliceCols(0, 4 * n), i = saved.sliceCols(0, n), f = saved.sliceCols(n, 2 * n);
        Matrix g = saved.sliceCols(2 * n, 3 * n), o = saved.sliceCols(3 * n, 4 * n), tc = saved.sliceCols(4 * n, 5 * n);
        if (hProj == null) {
            gates.copyFrom(xProj);
        } else {
            add(xProj, hProj, gates);
        }
        sigmoid(saved.sliceCols(0, 2 * n), saved.sliceCols(0, 2 * n));   // i and f are adjacent: one call
        tanh(g, g);
        sigmoid(o, o);
        mul(f, cPrev, c);
        addProduct(i, g, c);
        tanh(c, tc);
        mul(o, tc, h);
    }

    /**
     * One LSTM step backward, from what {@link #lstmForward} saved (B×5H) and cPrev (B×H). Given dh
     * (∂loss/∂h', B×H) and dc (∂loss/∂c' from the next step, B×H), writes dGates (∂loss/∂gates,
     * B×4H) and replaces dc with ∂loss/∂cPrev. Defined as this default's kernels; {@code scratch}
     * (B×H) is overwritten.
     */
    default void lstmBackward(Matrix saved, Matrix cPrev, Matrix dh, Matrix dc, Matrix dGates, Matrix scratch) {
        Shapes.requireLstmStep(dGates, dGates, cPrev, saved, dc, dh);
        Shapes.requireSameShape("lstmBackward", dh, scratch);
        int n = dh.cols();
        Matrix i = saved.sliceCols(0, n), f = saved.sliceCols(n, 2 * n), g = saved.sliceCols(2 * n, 3 * n);
        Matrix o = saved.sliceCols(3 * n, 4 * n), tc = saved.sliceCols(4 * n, 5 * n);
        Matrix di = dGates.sliceCols(0, n), df = dGates.sliceCols(n, 2 * n);
        Matrix dg = dGates.sliceCols(2 * n, 3 * n), dO = dGates.sliceCols(3 * n, 4 * n);
        Matrix tmp = scratch;
        mul(dh, tc, tmp);
        sigmoidBackward(o, tmp, dO);        // ∂/∂o_pre = dh⊙tanh(c')⊙σ'(o)
        mul(dh, o, tmp);
        tanhBackward(tc, tmp, tmp);
        add(dc, tmp, dc);                   // dc = total ∂loss/∂c'
        mul(dc, g, tmp);
        sigmoidBackward(i, tmp, di);
        mul(dc, cPrev, tmp);
        sigmoidBackward(f, tmp, df);
        mul(dc, i, tmp);
        tanhBackward(g, tmp, dg);
        mul(dc, f, dc);                     // dc ← ∂loss/∂cPrev
    }

    /**
     * One GRU step forward for training. With blocks r, z, n of xProj and hProj (B×3H each), writes
     * saved (B×4H) = [r, z, n, h_n] where r = σ(x_r + h_r), z = σ(x_z + h_z), h_n the n block of hProj
     * and n = tanh(r⊙h_n + x_n), and h' = n + z⊙(hPrev − n) (B×H). Defined as this default's kernels;
     * an implementation may fuse them, with the same bits. xProj and hProj are not written;
     * {@code scratch} (B×H) is overwritten.
     */
    default void gruForward(Matrix xProj, Matrix hProj, Matrix hPrev, Matrix saved, Matrix h, Matrix scratch) {
        Shapes.requireGruStep(xProj, hProj, hPrev, saved, h);
        Shapes.requireSameShape("gruForward", h, scratch);
        int n = h.cols();
        Matrix rz = saved.sliceCols(0, 2 * n), r = saved.sliceCols(0, n), z = saved.sliceCols(n, 2 * n);
        Matrix cand = saved.sliceCols(2 * n, 3 * n), hn = saved.sliceCols(3 * n, 4 * n);
        add(xProj.sliceCols(0, 2 * n), hProj.sliceCols(0, 2 * n), rz);
        sigmoid(rz, rz);
        hn.copyFrom(hProj.sliceCols(2 * n, 3 * n));
        mul(r, hn, cand);
        add(cand, xProj.sliceCols(2 * n, 3 * n), cand);
        tanh(cand, cand);
        sub(hPrev, cand, scratch);
        h.copyFrom(cand);
        addProduct(z, scratch, h);
    }

    /**
     * One GRU step backward, from what {@link #gruForward} saved (B×4H) and hPrev (B×H). Given dh
     * (∂loss/∂h', B×H), writes dxProj and dhProj (∂loss/∂ of the input and recurrent projections,
     * B×3H each; their r and z blocks are equal) and dhPrev = z⊙dh (B×H), the part of ∂loss/∂hPrev
     * that bypasses W_hh. Defined as this default's kernels; {@code scratch} (B×H) is overwritten.
     * dhPrev must not overlap dh (an implementation may write it before it has read all of dh).
     */
    default void gruBackward(Matrix saved, Matrix hPrev, Matrix dh, Matrix dxProj, Matrix dhProj, Matrix dhPrev,
                             Matrix scratch) {
        Shapes.requireGruStep(dxProj, dhProj, hPrev, saved, dh);
        Shapes.requireSameShape("gruBackward", dh, dhPrev, scratch);
        int n = dh.cols();
        Matrix r = saved.sliceCols(0, n), z = saved.sliceCols(n, 2 * n), cand = saved.sliceCols(2 * n, 3 * n);
        Matrix hn = saved.sliceCols(3 * n, 4 * n);
        Matrix dxR = dxProj.sliceCols(0, n), dxZ = dxProj.sliceCols(n, 2 * n), dxN = dxProj.sliceCols(2 * n, 3 * n);
        Matrix tmp = scratch;
        mul(z, dh, tmp);
        sub(dh, tmp, tmp);                  // (1 − z)⊙dh
        tanhBackward(cand, tmp, dxN);       // ∂/∂(x_n + r⊙h_n)
        mul(dxN, r, dhProj.sliceCols(2 * n, 3 * n));   // ∂/∂h_n
        mul(dxN, hn, tmp);
        sigmoidBackward(r, tmp, dxR);
        sub(hPrev, cand, tmp);
        mul(tmp, dh, tmp);
        sigmoidBackward(z, tmp, dxZ);
        dhProj.sliceCols(0, 2 * n).copyFrom(dxProj.sliceCols(0, 2 * n));
        mul(dh, z, dhPrev);                 // the path through z⊙h
    }

    // ---- selection ----

    /** The implementation chosen once for this JVM: see {@link KernelProviders}. */
    static Kernels preferred() {
        return KernelProviders.PREFERRED;
    }

    /** The scalar oracle. */
    static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }
}
