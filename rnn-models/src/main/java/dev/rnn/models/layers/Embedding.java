package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A learned lookup table ({@code nn.Embedding}): row i of {@code table} (vocabulary×dimension) is the
 * vector of token i. A one-hot input times a weight matrix is the special case this replaces, without
 * the multiplication.
 */
public final class Embedding {

    private final Matrix table;
    private final Matrix tableGrad;

    public Embedding(Arena arena, int vocabulary, int dimension) {
        if (vocabulary < 1 || dimension < 1) {
            throw new IllegalArgumentException("embedding sizes must be ≥ 1, found " + vocabulary + "×" + dimension);
        }
        table = Matrix.allocate(arena, vocabulary, dimension);
        tableGrad = Matrix.allocate(arena, vocabulary, dimension);
    }

    /** The table named {@code name} (vocabulary×dimension) from {@code source}, with its gradient if it has one. */
    public Embedding(TensorSource source, String name, int vocabulary, int dimension) {
        if (vocabulary < 1 || dimension < 1) {
            throw new IllegalArgumentException("embedding sizes must be ≥ 1, found " + vocabulary + "×" + dimension);
        }
        table = source.tensor(name, vocabulary, dimension, false);
        tableGrad = source.gradient(name);
    }

    /** vocabulary×dimension. */
    public Matrix table() {
        return table;
    }

    /** ∂loss/∂table ({@link #backward} adds into it), or null for an inference-only table. */
    public Matrix gradient() {
        return tableGrad;
    }

    /** out (N×dimension) row n = table row ids[n]. */
    public void forward(int[] ids, Matrix out) {
        check(ids, out);
        long rowBytes = (long) table.cols() * Float.BYTES;
        for (int n = 0; n < ids.length; n++) {
            MemorySegment.copy(table.segment(), table.offset(ids[n], 0), out.segment(), out.offset(n, 0), rowBytes);
        }
    }

    /** Adds dOut row n (N×dimension) into the gradient row of ids[n]. */
    public void backward(int[] ids, Matrix dOut) {
        check(ids, dOut);
        if (tableGrad == null) {
            throw new IllegalStateException("this embedding is for inference only: it has no gradient");
        }
        // straight segment reads and writes: Matrix.get/set check every element (3,200×64 per training batch)
        MemorySegment g = tableGrad.segment(), d = dOut.segment();
        int cols = table.cols();
        for (int n = 0; n < ids.length; n++) {
            long go = tableGrad.offset(ids[n], 0), dO = dOut.offset(n, 0);
            for (int c = 0; c < cols; c++) {
                long o = (long) c * Float.BYTES;
                g.set(Matrix.FLOAT, go + o, g.get(Matrix.FLOAT, go + o) + d.get(Matrix.FLOAT, dO + o));
            }
        }
    }

    private void check(int[] ids, Matrix m) {
        if (m.rows() != ids.length || m.cols() != table.cols()) {
            throw new IllegalArgumentException(ids.length + " ids need a " + ids.length + "×" + table.cols()
                    + " matrix, found " + m.shape());
        }
        for (int n = 0; n < ids.length; n++) {
            if (ids[n] < 0 || ids[n] >= table.rows()) {
                throw new IllegalArgumentException("token id " + ids[n] + " at position " + n + " is outside the vocabulary of "
                        + table.rows());
            }
        }
    }
}
