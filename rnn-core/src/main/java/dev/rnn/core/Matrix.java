package dev.rnn.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A float32 matrix of {@code rows×cols}, row-major, over a {@link MemorySegment}: element (r, c) is
 * the little-endian float at byte {@code 4·(r·stride + c)} of {@link #segment()}.
 *
 * <p>{@code stride ≥ cols} is the distance between rows in floats, so that row ranges and column
 * ranges of a larger matrix are views that share its memory ({@link #sliceRows}, {@link #sliceCols},
 * {@link #row}). A vector is a matrix with one row ({@code 1×n}).
 *
 * <p>Memory comes from an {@link Arena} owned by whoever builds the model: closing the arena frees
 * every matrix allocated from it, and any later access throws {@link IllegalStateException}.
 * Matrices allocated here are 64-byte aligned (one cache line, one AVX-512 register) and zeroed.
 *
 * <p>A {@code Matrix} object is immutable; the floats it points to are not. It is as thread-safe as
 * the arena that owns its memory.
 */
public final class Matrix {

    /** How every float is stored: little-endian, as in safetensors files; no alignment assumed. */
    public static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Alignment in bytes of matrices allocated by {@link #allocate}. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    private final int rows;
    private final int cols;
    private final int stride;

    private Matrix(MemorySegment segment, int rows, int cols, int stride) {
        this.segment = segment;
        this.rows = rows;
        this.cols = cols;
        this.stride = stride;
    }

    /** A new zeroed {@code rows×cols} matrix, contiguous and 64-byte aligned, owned by {@code arena}. */
    public static Matrix allocate(Arena arena, int rows, int cols) {
        checkDims(rows, cols);
        long bytes = Math.multiplyExact((long) rows, (long) cols) * Float.BYTES;
        return new Matrix(arena.allocate(bytes, ALIGNMENT), rows, cols, cols);
    }

    /** A new {@code 1×n} vector. */
    public static Matrix vector(Arena arena, int n) {
        return allocate(arena, 1, n);
    }

    /** A new {@code rows×cols} matrix holding {@code data} (row-major, length rows·cols). */
    public static Matrix of(Arena arena, int rows, int cols, float... data) {
        Matrix m = allocate(arena, rows, cols);
        m.copyFrom(data);
        return m;
    }

    /**
     * A contiguous {@code rows×cols} matrix over existing memory (for example a memory-mapped
     * tensor); the segment must hold at least {@code rows·cols} floats.
     */
    public static Matrix wrap(MemorySegment segment, int rows, int cols) {
        return wrap(segment, rows, cols, cols);
    }

    /** A {@code rows×cols} matrix with the given row stride (in floats) over existing memory. */
    public static Matrix wrap(MemorySegment segment, int rows, int cols, int stride) {
        checkDims(rows, cols);
        if (stride < cols) {
            throw new IllegalArgumentException("stride " + stride + " is less than cols " + cols);
        }
        long need = spanBytes(rows, cols, stride);
        if (segment.byteSize() < need) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for a "
                    + rows + "×" + cols + " matrix with stride " + stride + " (" + need + " bytes)");
        }
        return new Matrix(segment.asSlice(0, need), rows, cols, stride);
    }

    private static void checkDims(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "×" + cols);
        }
    }

    private static long spanBytes(int rows, int cols, int stride) {
        if (rows == 0 || cols == 0) {
            return 0;
        }
        return ((long) (rows - 1) * stride + cols) * Float.BYTES;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Distance between the starts of consecutive rows, in floats. */
    public int stride() {
        return stride;
    }

    /** Number of elements, rows·cols. */
    public long size() {
        return (long) rows * cols;
    }

    /** True when the rows follow each other with no gap (stride = cols, or at most one row). */
    public boolean isContiguous() {
        return stride == cols || rows <= 1;
    }

    /** The memory from element (0, 0) to element (rows−1, cols−1); its size is the matrix's span. */
    public MemorySegment segment() {
        return segment;
    }

    /** Byte offset of element (r, c) within {@link #segment()}. Not checked; see {@link #get}. */
    public long offset(int r, int c) {
        return ((long) r * stride + c) * Float.BYTES;
    }

    /** The shape as text, {@code "rows×cols"}, for messages. */
    public String shape() {
        return rows + "×" + cols;
    }

    public float get(int r, int c) {
        checkIndex(r, c);
        return segment.get(FLOAT, offset(r, c));
    }

    public void set(int r, int c, float value) {
        checkIndex(r, c);
        segment.set(FLOAT, offset(r, c), value);
    }

    private void checkIndex(int r, int c) {
        if (r < 0 || r >= rows || c < 0 || c >= cols) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") is outside a " + shape() + " matrix");
        }
    }

    /** Rows {@code [from, to)} as a {@code (to−from)×cols} view sharing this matrix's memory. */
    public Matrix sliceRows(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of a " + shape() + " matrix");
        }
        int n = to - from;
        long start = n == 0 || cols == 0 ? 0 : offset(from, 0);
        return new Matrix(segment.asSlice(start, spanBytes(n, cols, stride)), n, cols, stride);
    }

    /**
     * Rows {@code first, first + step, …} ({@code count} of them) as a {@code count×cols} view sharing this
     * matrix's memory: in a time-major (T·B)×F batch, {@code rowsEvery(b, B, T)} is sequence b's T×F steps.
     */
    public Matrix rowsEvery(int first, int step, int count) {
        if (step < 1 || count < 0 || first < 0 || count > 0 && first + (long) step * (count - 1) >= rows) {
            throw new IndexOutOfBoundsException(count + " rows from " + first + " every " + step + " of a " + shape() + " matrix");
        }
        if (count == 0 || cols == 0) {
            return new Matrix(segment.asSlice(0, 0), count, cols, Math.max(cols, 1));
        }
        long newStride = (long) stride * step;
        if (newStride > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("row step " + step + " overflows the stride of a " + shape() + " matrix");
        }
        long start = offset(first, 0);
        return new Matrix(segment.asSlice(start, spanBytes(count, cols, (int) newStride)), count, cols, (int) newStride);
    }

    /** Row {@code r} as a {@code 1×cols} vector view. */
    public Matrix row(int r) {
        if (r < 0 || r >= rows) {
            throw new IndexOutOfBoundsException("row " + r + " of a " + shape() + " matrix");
        }
        return sliceRows(r, r + 1);
    }

    /** Columns {@code [from, to)} as a {@code rows×(to−from)} view with this matrix's stride. */
    public Matrix sliceCols(int from, int to) {
        if (from < 0 || to > cols || from > to) {
            throw new IndexOutOfBoundsException("columns [" + from + ", " + to + ") of a " + shape() + " matrix");
        }
        int n = to - from;
        long start = n == 0 || rows == 0 ? 0 : offset(0, from);
        return new Matrix(segment.asSlice(start, spanBytes(rows, n, stride)), rows, n, stride);
    }

    /**
     * This contiguous matrix seen as {@code rows×cols} with the same number of elements, sharing memory.
     */
    public Matrix reshape(int newRows, int newCols) {
        checkDims(newRows, newCols);
        if (!isContiguous()) {
            throw new IllegalStateException("cannot reshape a non-contiguous " + shape() + " view (stride " + stride + ")");
        }
        if ((long) newRows * newCols != size()) {
            throw new IllegalArgumentException("cannot reshape " + shape() + " to " + newRows + "×" + newCols);
        }
        return new Matrix(segment, newRows, newCols, newCols);
    }

    /** Sets every element to {@code value}. */
    public void fill(float value) {
        if (Float.floatToRawIntBits(value) == 0 && isContiguous()) {
            segment.fill((byte) 0);   // +0.0f is all zero bytes: one bulk fill (gradients are zeroed every update)
            return;
        }
        for (int r = 0; r < rows; r++) {
            long base = offset(r, 0);
            for (int c = 0; c < cols; c++) {
                segment.set(FLOAT, base + (long) c * Float.BYTES, value);
            }
        }
    }

    /** Copies {@code src} (row-major, length rows·cols) into this matrix. */
    public void copyFrom(float[] src) {
        if (src.length != size()) {
            throw new IllegalArgumentException("array of length " + src.length + " does not fill a " + shape() + " matrix");
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src, r * cols, segment, FLOAT, offset(r, 0), cols);
        }
    }

    /** Copies {@code src}, which must have the same shape, into this matrix. */
    public void copyFrom(Matrix src) {
        Shapes.requireSameShape("copy", src, this);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src.segment, src.offset(r, 0), segment, offset(r, 0), (long) cols * Float.BYTES);
        }
    }

    /** Copies this matrix into {@code dst} (row-major, length rows·cols). */
    public void copyTo(float[] dst) {
        if (dst.length != size()) {
            throw new IllegalArgumentException("array of length " + dst.length + " does not hold a " + shape() + " matrix");
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(segment, FLOAT, offset(r, 0), dst, r * cols, cols);
        }
    }

    /** A new array holding this matrix, row-major. */
    public float[] toArray() {
        float[] out = new float[Math.toIntExact(size())];
        copyTo(out);
        return out;
    }

    @Override
    public String toString() {
        return "Matrix[" + shape() + (isContiguous() ? "" : ", stride " + stride) + "]";
    }
}
