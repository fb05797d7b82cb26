package dev.rnn.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Provider selection with only rnn-core on the class path. */
class KernelProvidersTest {

    @Test
    void scalarIsAlwaysThere() {
        assertSame(Kernels.scalar(), KernelProviders.named("scalar"));
        assertSame(Kernels.scalar(), KernelProviders.named(" Scalar "));
        assertEquals(32, Kernels.scalar().vectorBitSize());
        assertEquals(1, Kernels.scalar().floatLanes());
    }

    @Test
    void withoutRnnSimdThePreferredKernelsAreScalar() {
        assertSame(Kernels.scalar(), Kernels.preferred());
    }

    @Test
    void unknownOrMissingBackendsAreErrorsThatSayWhy() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelProviders.named("simd"));
        assertTrue(e.getMessage().contains("rnn-simd"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> KernelProviders.named("gpu"));
        assertTrue(e.getMessage().contains("'gpu'"), e.getMessage());
    }
}
