package dev.rnn.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A read-only weight matrix laid out for matrix-vector products at batch 1, where every step streams
 * the whole matrix from memory once: F32, or BF16 (half the bytes to stream; values widened to
 * float32 for the arithmetic).
 *
 * <p>The matrix is the column-wise concatenation of one or more parts (for a recurrent cell,
 * [W_ih | W_hh]), each padded with zero columns to a multiple of {@link #BLOCK}, so that a product
 * can cover any part or run of parts ({@link #partOffset}). Rows are grouped in blocks of
 * {@link #ROW_BLOCK} (the last block padded with zero rows), and each block is stored column by
 * column, so that a product reads memory strictly in order and accumulates many rows at once in
 * vector lanes, with no horizontal sums:
 * <ul>
 *   <li>F32: element (r, c) is float number (r / 64 · paddedCols + c) · 64 + r % 64;</li>
 *   <li>BF16: columns go in pairs; element (r, c) is in int number (r / 64 · paddedCols / 2 + c / 2) · 64
 *       + r % 64, in its low half for even c and its high half for odd c, so one integer vector yields
 *       two columns' float vectors with one shift and one mask, at any vector width.</li>
 * </ul>
 * Vectors multiplied with it use the same padded column positions (see {@link #partOffset}) and must
 * be finite in the padding (zero is usual).
 */
public final class PackedMatrix {

    /** How the values are stored. */
    public enum Format {
        F32, BF16
    }

    /** Every part starts at a multiple of this many columns. */
    public static final int BLOCK = 32;

    /** Rows stored together, column by column: one 256-byte run per column, four 512-bit vectors. */
    public static final int ROW_BLOCK = 64;

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final Format format;
    private final int rows;
    private final int paddedCols;
    private final int[] partOffsets;   // part p starts at column partOffsets[p]; the last entry is paddedCols
    private final int[] partCols;

    private PackedMatrix(MemorySegment data, Format format, int rows, int paddedCols, int[] partOffsets, int[] partCols) {
        // rows, columns and parts are fixed at packing; the arrays are never exposed
        this.data = data;
        this.format = format;
        this.rows = rows;
        this.paddedCols = paddedCols;
        this.partOffsets = partOffsets;
        this.partCols = partCols;
    }

    /** Packs the column-wise concatenation of {@code parts} (all with the same number of rows) into {@code arena}. */
    public static PackedMatrix pack(Arena arena, Format format, Matrix... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("nothing to pack");
        }
        int rows = parts[0].rows();
        int[] offsets = new int[parts.length + 1], cols = new int[parts.length];
        for (int p = 0; p < parts.length; p++) {
            if (parts[p].rows() != rows) {
                throw new IllegalArgumentException("part " + p + " is " + parts[p].shape() + " but part 0 has " + rows + " rows");
            }
            cols[p] = parts[p].cols();
            offsets[p + 1] = Math.addExact(offsets[p], padded(cols[p]));
        }
        int paddedCols = offsets[parts.length];
        long blockBytes = blockBytes(format, paddedCols);
        MemorySegment data = arena.allocate(Math.max(1, Math.multiplyExact(blockBytes, (long) rowBlocks(rows))), Matrix.ALIGNMENT);
        PackedMatrix m = new PackedMatrix(data, format, rows, paddedCols, offsets, cols);
        for (int p = 0; p < parts.length; p++) {
            Matrix src = parts[p];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < src.cols(); c++) {
                    m.put(r, offsets[p] + c, src.get(r, c));
                }
            }
        }
        return m;
    }

    private static int padded(int cols) {
        return Math.multiplyExact((cols + BLOCK - 1) / BLOCK, BLOCK);
    }

    private static int rowBlocks(int rows) {
        return (rows + ROW_BLOCK - 1) / ROW_BLOCK;
    }

    /** Bytes of one block of 64 rows: 256 per column for F32, 256 per column pair for BF16. */
    private static long blockBytes(Format format, int paddedCols) {
        return (long) paddedCols * ROW_BLOCK * (format == Format.F32 ? Float.BYTES : Short.BYTES);
    }

    /** Byte offset of (r, c) within {@link #segment()}. */
    private long offset(int r, int c) {
        long block = (long) (r / ROW_BLOCK) * blockBytes();
        int lane = r % ROW_BLOCK;
        if (format == Format.F32) {
            return block + ((long) c * ROW_BLOCK + lane) * Float.BYTES;
        }
        return block + ((long) (c / 2) * ROW_BLOCK + lane) * Integer.BYTES + (c % 2) * Short.BYTES;
    }

    private void put(int r, int c, float v) {
        if (format == Format.F32) {
            data.set(Matrix.FLOAT, offset(r, c), v);
        } else {
            data.set(SHORT, offset(r, c), Bfloat16.fromFloat(v));
        }
    }

    /** The stored value at row r and padded column c (rounded to bfloat16 for BF16). */
    public float get(int r, int c) {
        if (r < 0 || r >= rows || c < 0 || c >= paddedCols) {
            throw new IndexOutOfBoundsException("(" + r + ", " + c + ") outside " + rows + "×" + paddedCols);
        }
        return format == Format.F32 ? data.get(Matrix.FLOAT, offset(r, c)) : Bfloat16.toFloat(data.get(SHORT, offset(r, c)));
    }

    public Format format() {
        return format;
    }

    public int rows() {
        return rows;
    }

    /** Columns including padding: the length of the vectors it multiplies. */
    public int paddedCols() {
        return paddedCols;
    }

    public int parts() {
        return partCols.length;
    }

    /** The first column of part p; {@code partOffset(parts())} is {@link #paddedCols()}. */
    public int partOffset(int p) {
        return partOffsets[p];
    }

    /** The unpadded width of part p. */
    public int partCols(int p) {
        return partCols[p];
    }

    /** Blocks of {@link #ROW_BLOCK} rows, the last one padded. */
    public int rowBlocks() {
        return rowBlocks(rows);
    }

    /** Bytes between consecutive row blocks. */
    public long blockBytes() {
        return blockBytes(format, paddedCols);
    }

    /** The packed bytes, read-only by contract. */
    public MemorySegment segment() {
        return data;
    }

    /** Bytes streamed by one product over all columns. */
    public long byteSize() {
        return rowBlocks() * blockBytes();
    }
}
