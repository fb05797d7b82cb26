package dev.rnn.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Whatever the writer writes, the reader reads back unchanged; equal content gives equal bytes. */
class SafetensorsRoundTripProperties {

    private static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Files.createTempDirectory("safetensors-props");
    }

    @AfterContainer
    static void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    record Tensor(String name, Dtype dtype, long[] shape, byte[] bytes) {
    }

    @Provide
    Arbitrary<List<Tensor>> tensors() {
        Arbitrary<Dtype> dtypes = Arbitraries.of(Dtype.F32, Dtype.F16, Dtype.BF16, Dtype.F64, Dtype.I64, Dtype.I32,
                Dtype.U8, Dtype.BOOL, Dtype.I16);
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(3);
        Arbitrary<String> names = Arbitraries.strings().withChars("abcxyz_.0123456789é").ofMinLength(1).ofMaxLength(12);
        Arbitrary<Tensor> one = Combinators.combine(names, dtypes, shapes, Arbitraries.longs()).as((n, d, s, seed) -> {
            long count = 1;
            for (long x : s) {
                count *= x;
            }
            byte[] b = new byte[(int) (count * d.bits() / 8)];
            new java.util.Random(seed).nextBytes(b);
            return new Tensor(n, d, s, b);
        });
        return one.list().ofMaxSize(8).uniqueElements(Tensor::name);
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(Arbitraries.strings().ofMaxLength(6), Arbitraries.strings().ofMaxLength(20)).ofMaxSize(4);
    }

    @Property(tries = 200)
    void readsBackWhatWasWritten(@ForAll("tensors") List<Tensor> tensors, @ForAll("metadata") Map<String, String> metadata)
            throws IOException {
        Path p = dir.resolve("rt.safetensors");
        SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
        for (Tensor t : tensors) {
            w.putRaw(t.name(), t.dtype(), t.shape(), MemorySegment.ofArray(t.bytes()));
        }
        w.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(new TreeMap<>(metadata), new TreeMap<>(f.metadata()));
            assertEquals(tensors.size(), f.names().size());
            for (Tensor t : tensors) {
                TensorInfo info = f.info(t.name());
                assertEquals(t.dtype(), info.dtype());
                assertArrayEquals(t.shape(), info.shape());
                assertArrayEquals(t.bytes(), f.bytes(t.name()).toArray(ValueLayout.JAVA_BYTE));
                assertEquals(0, (info.begin()) % Math.max(1, t.dtype().bits() / 8), "data aligned to the element size");
            }
        }
    }

    @Property(tries = 50)
    void equalContentGivesEqualBytes(@ForAll("tensors") List<Tensor> tensors, @ForAll("metadata") Map<String, String> metadata)
            throws IOException {
        List<Tensor> shuffled = new ArrayList<>(tensors);
        Collections.reverse(shuffled);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        write(tensors, metadata, a);
        write(shuffled, new TreeMap<>(metadata).descendingMap(), b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    private static void write(List<Tensor> tensors, Map<String, String> metadata, Path p) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        for (Tensor t : tensors) {
            w.putRaw(t.name(), t.dtype(), t.shape(), MemorySegment.ofArray(t.bytes()));
        }
        w.write(p);
    }

    @Property(tries = 100)
    void matricesRoundTripThroughEveryFloatType(@ForAll("values") float[] values) throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.of(arena, 1, values.length, values);
            new SafetensorsWriter().put("f32", m).put("f16", m, Dtype.F16, values.length)
                    .put("bf16", m, Dtype.BF16, 1, values.length).write(p);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            float[] f32 = f.floats("f32", 1, values.length).toArray();
            float[] f16 = f.floats("f16", values.length).toArray();
            float[] bf16 = f.floats("bf16", 1, values.length).toArray();
            for (int i = 0; i < values.length; i++) {
                float v = values[i];
                assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(f32[i]));
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(v)), f16[i]);
                // bfloat16 keeps the top 16 bits: the nearest such value, ties to an even last bit
                int bits = Float.floatToRawIntBits(v), down = bits & 0xFFFF0000, up = down + 0x10000;
                float lo = Float.intBitsToFloat(down), hi = Float.intBitsToFloat(up);
                // past the largest bfloat16, IEEE rounding continues the spacing to 2^128, which overflows
                double hiValue = Float.isInfinite(hi) ? Math.copySign(0x1p128, v) : hi;
                double dLo = Math.abs((double) v - lo), dHi = Math.abs((double) v - hiValue);
                float expected = Float.isInfinite(v) ? v : dLo < dHi || (dLo == dHi && (down & 0x10000) == 0) ? lo : hi;
                assertEquals(expected, bf16[i], "bf16 of " + v);
            }
        }
    }

    @Provide
    Arbitrary<float[]> values() {
        return Arbitraries.oneOf(Arbitraries.floats().between(-1e6f, 1e6f), Arbitraries.floats(),
                        Arbitraries.of(0f, -0f, 1f, 65504f, 1e-8f, 3.0e38f, Float.MIN_VALUE))
                .array(float[].class).ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 20)
    void writtenFilesAreAlwaysValid(@ForAll("tensors") List<Tensor> tensors) throws IOException {
        Path p = dir.resolve("v.safetensors");
        write(tensors, Map.of(), p);
        long size = Files.size(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            long data = 0;
            for (String n : f.names()) {
                data += f.info(n).byteLength();
            }
            assertTrue(size >= data + 8);
        }
    }
}
