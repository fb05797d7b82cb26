package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InlineDirectiveTest {

    @Test
    void theKernelsInstallTheInliningDirective() {
        assertTrue(SimdKernels.INLINE_DIRECTIVE, "the JVM did not accept the inlining directive for SimdMath");
    }
}
