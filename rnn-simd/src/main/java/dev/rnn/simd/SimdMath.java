package dev.rnn.simd;

import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.SPECIES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Horizontal sums and elementary functions built only from operations that IEEE 754 defines exactly
 * (add, multiply, fused multiply-add, divide, min/max, comparisons, bit operations), so that the
 * interpreter and every JIT tier compute the same bits. The Vector API's own {@code reduceLanes(ADD)}
 * sums lanes in a different order once compiled, and its {@code EXP} and {@code TANH} call a vector
 * math library whose results differ from the interpreter's by up to an ulp; with those, a kernel's
 * result would depend on whether its caller had been compiled yet.
 */
final class SimdMath {

    // lane permutations for a fixed pairwise summation tree (only those below the vector width are used)
    private static final VectorShuffle<Float> SWAP8 = LANES >= 16 ? VectorShuffle.fromOp(SPECIES, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> SWAP4 = LANES >= 8 ? VectorShuffle.fromOp(SPECIES, i -> i ^ 4) : null;
    private static final VectorShuffle<Float> SWAP2 = VectorShuffle.fromOp(SPECIES, i -> i ^ 2);
    private static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(SPECIES, i -> i ^ 1);

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;       // ln 2 in two parts (Cody–Waite): n·LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f;         // 1.5·2²³: adding it rounds to an integer
    private static final int ROUNDER_BITS = 0x4B400000;
    private static final float EXP_MAX = 89f;               // above this e^x is +∞ in float
    private static final float EXP_MIN = -104f;             // below this e^x rounds to 0
    private static final float TANH_SMALL = 0.625f;

    private SimdMath() {
    }

    /**
     * The sum of all lanes, always in the same pairwise order. Split into methods under 35 bytecodes,
     * which C2 inlines even where they run once per call (after a loop): a vector argument to a call
     * left out of line is boxed.
     */
    static float sum(FloatVector v) {
        return sumPairs(foldHalves(v));
    }

    /** Folds 16 or 8 lanes onto the first 4, lane i onto lane i ^ 8, then i ^ 4. */
    private static FloatVector foldHalves(FloatVector v) {
        if (LANES >= 16) {
            v = v.add(v.rearrange(SWAP8));
        }
        return LANES >= 8 ? v.add(v.rearrange(SWAP4)) : v;
    }

    private static float sumPairs(FloatVector v) {
        v = v.add(v.rearrange(SWAP2));
        return v.add(v.rearrange(SWAP1)).lane(0);
    }

    /**
     * eˣ within 1 ulp: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r from a degree-7 polynomial (Cephes' expf
     * coefficients), then scaled by 2ⁿ in two steps so that subnormal results are rounded once.
     * NaN gives NaN, +∞ gives +∞, −∞ gives 0.
     */
    static FloatVector exp(FloatVector x) {
        // clamp with compare and blend (cheaper than Java's max/min semantics); NaN compares false and stays
        FloatVector xc = x.blend(EXP_MIN, x.compare(VectorOperators.LT, EXP_MIN)).blend(EXP_MAX, x.compare(VectorOperators.GT, EXP_MAX));
        FloatVector t = xc.fma(FloatVector.broadcast(SPECIES, LOG2E), FloatVector.broadcast(SPECIES, ROUNDER));
        FloatVector n = t.sub(ROUNDER);                       // round(x·log2 e)
        FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(SPECIES, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(SPECIES, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 5.0000001201e-1f));
        p = p.mul(r.mul(r)).add(r).add(1f);
        IntVector ni = (IntVector) t.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /**
     * tanh x within 2 ulps: x + x³·P(x²) (Cephes' tanhf polynomial) for |x| &lt; 0.625, else
     * sign(x)·(1 − 2/(e^{2|x|} + 1)). Keeps −0.0 and subnormals; ±∞ gives ±1; NaN gives NaN.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector p = FloatVector.broadcast(SPECIES, -5.70498872745e-3f);
        p = p.fma(z, FloatVector.broadcast(SPECIES, 2.06390887954e-2f));
        p = p.fma(z, FloatVector.broadcast(SPECIES, -5.37397155531e-2f));
        p = p.fma(z, FloatVector.broadcast(SPECIES, 1.33314422036e-1f));
        p = p.fma(z, FloatVector.broadcast(SPECIES, -3.33332819422e-1f));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector ax = x.abs();
        FloatVector e = exp(ax.add(ax));
        FloatVector large = FloatVector.broadcast(SPECIES, 1f).sub(FloatVector.broadcast(SPECIES, 2f).div(e.add(1f)));
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        large = large.reinterpretAsInts().or(sign).reinterpretAsFloats();   // the sign of x
        VectorMask<Float> isSmall = ax.compare(VectorOperators.LT, TANH_SMALL);
        // x + x³·P adds +0 to −0 and so loses the sign; zeros are their own tanh
        return large.blend(small, isSmall).blend(x, x.compare(VectorOperators.EQ, 0f));
    }

    /** σ(x) = 1/(1 + e⁻ˣ) for x ≥ 0 and eˣ/(1 + eˣ) below, from e^−|x|, which never overflows. */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector numerator = FloatVector.broadcast(SPECIES, 1f).blend(e, x.compare(VectorOperators.LT, 0f));
        return numerator.div(e.add(1f));
    }
}
