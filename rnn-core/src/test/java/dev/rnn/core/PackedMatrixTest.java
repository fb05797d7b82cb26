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
                PackedMatrix tail = p.sliceRows(1, 3);
                assertEquals(2, tail.rows());
                assertEquals(p.get(2, 40), tail.get(1, 40));
            }
        }
    }

    @Test
    void bf16BlocksPairColumnJWithColumnJPlus16() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, 1, 32);
            for (int c = 0; c < 32; c++) {
                a.set(0, c, c);
            }
            PackedMatrix p = PackedMatrix.pack(arena, PackedMatrix.Format.BF16, a);
            ValueLayout.OfInt le = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < 16; j++) {
                int pair = p.segment().get(le, 4L * j);
                assertEquals((float) j, Float.intBitsToFloat(pair << 16));
                assertEquals((float) (16 + j), Float.intBitsToFloat(pair & 0xFFFF0000));
            }
            assertEquals(64, p.rowBytes());
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
