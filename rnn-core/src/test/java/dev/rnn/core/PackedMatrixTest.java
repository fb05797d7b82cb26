package dev.rnn.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PackedMatrixTest {

    private static Matrix filled(Arena arena, int rows, int cols, float base) {
        Matrix m = Matrix.allocate(arena, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m.set(r, c, base + r * 1000 + c + 0.123f);
            }
        }
        return m;
    }

    @Test
    void partsArePaddedToWholeBlocksAndReadBack() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = filled(arena, 3, 7, 0), b = filled(arena, 3, 33, 50_000);
            for (PackedMatrix.Format format : PackedMatrix.Format.values()) {
                PackedMatrix p = PackedMatrix.pack(arena, format, a, b);
                assertEquals(32 + 64, p.paddedCols());
                assertEquals(0, p.partOffset(0));
                assertEquals(32, p.partOffset(1));
                assertEquals(96, p.partOffset(2));
                assertEquals(33, p.partCols(1));
                for (int r = 0; r < 3; r++) {
                    for (int c = 0; c < p.paddedCols(); c++) {
                        float want = c < 7 ? a.get(r, c) : c < 32 ? 0 : c < 65 ? b.get(r, c - 32) : 0;
                        if (format == PackedMatrix.Format.BF16) {
                            want = Bfloat16.round(want);
                        }
                        assertEquals(want, p.get(r, c), format + " (" + r + ", " + c + ")");
                    }
                }
                assertEquals(1, p.rowBlocks());
                assertEquals(p.blockBytes(), p.byteSize());
            }
        }
    }

    @Test
    void rowBlocksAreStoredColumnByColumn() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = filled(arena, 70, 3, 0);   // two row blocks, the second padded
            ValueLayout.OfInt le = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            PackedMatrix f = PackedMatrix.pack(arena, PackedMatrix.Format.F32, a);
            assertEquals(2, f.rowBlocks());
            assertEquals(32L * 64 * 4, f.blockBytes());
            for (int r = 0; r < 70; r++) {
                for (int c = 0; c < 3; c++) {
                    long at = (r / 64) * f.blockBytes() + ((long) c * 64 + r % 64) * 4;
                    assertEquals(a.get(r, c), f.segment().get(Matrix.FLOAT, at), "F32 (" + r + ", " + c + ")");
                }
            }
            PackedMatrix b = PackedMatrix.pack(arena, PackedMatrix.Format.BF16, a);
            assertEquals(16L * 64 * 4, b.blockBytes());
            for (int r = 0; r < 70; r++) {
                // columns 0 and 1 share an int: 0 in the low half, 1 in the high half
                int pair = b.segment().get(le, (r / 64) * b.blockBytes() + (r % 64) * 4L);
                assertEquals(Bfloat16.round(a.get(r, 0)), Float.intBitsToFloat(pair << 16));
                assertEquals(Bfloat16.round(a.get(r, 1)), Float.intBitsToFloat(pair & 0xFFFF0000));
            }
            assertEquals(0f, f.get(69, 10));
        }
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals(1f, Bfloat16.round(1f + 0x1p-9f));             // below half an ulp (2^-8)
        assertEquals(1f + 0x1p-7f, Bfloat16.round(1f + 0x1p-7f - 0x1p-10f));
        assertEquals(1f, Bfloat16.round(1f + 0x1p-8f));             // tie: to even
        assertEquals(1f + 0x1p-6f, Bfloat16.round(1f + 0x1p-7f + 0x1p-8f));   // tie: to even (up)
        assertEquals(Float.POSITIVE_INFINITY, Bfloat16.round(Float.MAX_VALUE));
        assertEquals(true, Float.isNaN(Bfloat16.round(Float.NaN)));
    }

    @Test
    void partsMustShareTheirRows() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class,
                    () -> PackedMatrix.pack(arena, PackedMatrix.Format.F32, Matrix.allocate(arena, 2, 3), Matrix.allocate(arena, 3, 3)));
        }
    }
}
