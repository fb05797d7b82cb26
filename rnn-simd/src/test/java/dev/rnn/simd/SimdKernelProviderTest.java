package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rnn.core.kernels.KernelProviders;
import dev.rnn.core.kernels.Kernels;
import org.junit.jupiter.api.Test;

/** With rnn-simd on the class path and the incubator module loaded, SIMD is chosen. */
class SimdKernelProviderTest {

    @Test
    void simdIsPreferredWhenAvailable() {
        assertNull(new SimdKernelProvider().unavailableReason());
        assertSame(SimdKernels.INSTANCE, Kernels.preferred());
        assertSame(SimdKernels.INSTANCE, KernelProviders.named("simd"));
        assertEquals("simd", Kernels.preferred().name());
    }

    @Test
    void vectorWidthFollowsTheTestOverride() {
        String forced = System.getProperty("rnn.vectorBits");
        int bits = Kernels.preferred().vectorBitSize();
        if (forced != null) {
            assertEquals(Integer.parseInt(forced), bits);
        }
        assertEquals(bits / 32, Kernels.preferred().floatLanes());
    }
}
