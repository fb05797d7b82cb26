package dev.rnn.models.io;

/**
 * The element types a safetensors file may name, with their sizes in bits. The order is that of
 * the format's reference implementation (increasing alignment), which the writer uses to lay out
 * data so that every tensor starts at a multiple of its element size.
 */
public enum Dtype {
    BOOL(8), F4(4), F6_E2M3(6), F6_E3M2(6), U8(8), I8(8), F8_E5M2(8), F8_E4M3(8), F8_E8M0(8),
    I16(16), U16(16), F16(16), BF16(16), I32(32), U32(32), F32(32), F64(64), C64(64), I64(64), U64(64);

    private final int bits;

    Dtype(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** Whether this library converts the type to float32 on load (F32 itself is mapped). */
    public boolean isFloatingPoint() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** The type named {@code name} as written in a header, or null when the name is unknown. */
    public static Dtype byName(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
