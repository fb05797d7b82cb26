package dev.rnn.simd;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every SIMD kernel uses, fixed once per JVM. It lives in its own holder so
 * that nothing touches the Vector API before the provider has checked that the module is there,
 * and it is a {@code static final} because the JIT only intrinsifies vector code whose species is a
 * constant.
 *
 * <p>{@code -Drnn.vectorBits=128|256|512} narrows it below the CPU's preferred width, so that the
 * 128- and 256-bit code paths can be tested on an AVX-512 machine.
 */
final class SimdConstants {

    static final String BITS_PROPERTY = "rnn.vectorBits";

    static final VectorSpecies<Float> SPECIES = chooseSpecies();

    /** Ints in a vector of the same width (bfloat16 pairs are loaded as ints). */
    static final VectorSpecies<Integer> INT_SPECIES = VectorSpecies.of(int.class, SPECIES.vectorShape());

    /** Floats per vector. */
    static final int LANES = SPECIES.length();

    /** safetensors and {@code Matrix.FLOAT} are little-endian. */
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private SimdConstants() {
    }

    private static VectorSpecies<Float> chooseSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        String forced = System.getProperty(BITS_PROPERTY);
        if (forced == null || forced.isBlank()) {
            return preferred;
        }
        int bits;
        try {
            bits = Integer.parseInt(forced.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + BITS_PROPERTY + "=" + forced + " is not 128, 256 or 512");
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("-D" + BITS_PROPERTY + "=" + forced + " is not 128, 256 or 512");
        }
        if (bits > preferred.vectorBitSize()) {
            throw new IllegalArgumentException("-D" + BITS_PROPERTY + "=" + bits + " is wider than this CPU's "
                    + preferred.vectorBitSize() + "-bit vectors");
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }
}
