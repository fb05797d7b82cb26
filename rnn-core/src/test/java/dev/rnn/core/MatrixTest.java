package dev.rnn.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class MatrixTest {

    @Test
    void allocatesZeroedAlignedRowMajor() {
        try (Arena arena = Arena.ofConfined()) {
            for (int n = 1; n < 40; n += 7) {
                Matrix m = Matrix.allocate(arena, 3, n);
                assertEquals(0, m.segment().address() % 64, "64-byte aligned");
                assertEquals(3L * n * Float.BYTES, m.segment().byteSize());
                assertEquals(0f, m.get(2, n - 1));
            }
            Matrix m = Matrix.of(arena, 2, 3, 1, 2, 3, 4, 5, 6);
            assertEquals(6f, m.get(1, 2));
            assertEquals(4f, m.segment().get(Matrix.FLOAT, 3L * Float.BYTES), "row-major");
            assertEquals("2×3", m.shape());
        }
    }

    @Test
    void viewsShareMemory() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.of(arena, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            Matrix rows = m.sliceRows(1, 3);
            assertEquals("2×4", rows.shape());
            assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 10, 11}, rows.toArray());
            Matrix cols = m.sliceCols(1, 3);
            assertEquals(4, cols.stride());
            assertFalse(cols.isContiguous());
            assertArrayEquals(new float[] {1, 2, 5, 6, 9, 10}, cols.toArray());
            cols.set(2, 1, -1f);
            assertEquals(-1f, m.get(2, 2), "a write through a view is seen by the matrix");
            Matrix r = m.row(2);
            assertEquals("1×4", r.shape());
            assertTrue(r.isContiguous());
            assertEquals(-1f, r.get(0, 2));
            Matrix sub = cols.sliceRows(1, 2);
            assertArrayEquals(new float[] {5, 6}, sub.toArray());
        }
    }

    @Test
    void copiesAndReshapes() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.of(arena, 2, 3, 1, 2, 3, 4, 5, 6);
            Matrix t = m.reshape(3, 2);
            assertEquals(4f, t.get(1, 1));
            Matrix copy = Matrix.allocate(arena, 2, 3);
            copy.copyFrom(m);
            assertArrayEquals(m.toArray(), copy.toArray());
            assertThrows(IllegalArgumentException.class, () -> m.reshape(4, 2));
            assertThrows(IllegalStateException.class, () -> m.sliceCols(0, 2).reshape(1, 4));
            float[] dst = new float[6];
            m.copyTo(dst);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, dst);
            m.fill(2.5f);
            assertEquals(2.5f, m.get(1, 2));
        }
    }

    @Test
    void useAfterCloseThrows() {
        Arena arena = Arena.ofConfined();
        Matrix m = Matrix.allocate(arena, 4, 4);
        Matrix view = m.row(1);
        arena.close();
        assertThrows(IllegalStateException.class, () -> m.get(0, 0));
        assertThrows(IllegalStateException.class, () -> view.set(0, 0, 1f));
        assertThrows(IllegalStateException.class, () -> m.fill(1f));
    }

    @Test
    void badShapesAndIndicesNameTheProblem() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.allocate(arena, 2, 3);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> m.get(2, 0));
            assertEquals("(2, 0) is outside a 2×3 matrix", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> m.sliceRows(1, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> m.sliceCols(2, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> m.row(-1));
            assertThrows(IllegalArgumentException.class, () -> Matrix.allocate(arena, -1, 2));
            IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> m.copyFrom(new float[5]));
            assertEquals("array of length 5 does not fill a 2×3 matrix", c.getMessage());
            IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> m.copyFrom(Matrix.allocate(arena, 3, 2)));
            assertEquals("copy: shapes differ, 3×2 vs 2×3", s.getMessage());
        }
    }

    @Test
    void wrapsExistingMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4L * 10 * Float.BYTES + 2); // deliberately not a multiple
            Matrix m = Matrix.wrap(seg, 4, 10);
            m.set(3, 9, 7f);
            assertEquals(7f, Matrix.wrap(seg, 4, 10).get(3, 9));
            Matrix strided = Matrix.wrap(seg, 3, 4, 10);
            assertEquals(10, strided.stride());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Matrix.wrap(seg, 5, 10));
            assertTrue(e.getMessage().contains("too small"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Matrix.wrap(seg, 2, 10, 5));
        }
    }

    @Test
    void emptyMatrices() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix e = Matrix.allocate(arena, 0, 7);
            assertEquals(0, e.size());
            assertEquals(0, e.toArray().length);
            assertEquals("0×0", Matrix.allocate(arena, 3, 0).sliceCols(0, 0).sliceRows(0, 0).shape());
        }
    }
}
