package dev.rnn.core;

/** bfloat16 (the top 16 bits of a float32: 8 exponent bits, 7 mantissa bits) conversions. */
public final class Bfloat16 {

    private Bfloat16() {
    }

    /** The nearest bfloat16, ties to even, as IEEE rounding does (overflowing to ±∞); NaN stays a quiet NaN. */
    public static short fromFloat(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The float32 with the same value (exact). */
    public static float toFloat(short b) {
        return Float.intBitsToFloat(b << 16);
    }

    /** v rounded to the nearest bfloat16 and widened back. */
    public static float round(float v) {
        return toFloat(fromFloat(v));
    }
}
