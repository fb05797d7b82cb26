package dev.rnn.models.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.rnn.core.Bfloat16;
import dev.rnn.core.Matrix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects tensors and {@code __metadata__} and writes them as one safetensors file.
 *
 * <p>The output is deterministic: tensors are laid out by decreasing element size, then by name (the
 * reference implementation's order, which keeps every tensor aligned to its element size), metadata
 * keys are sorted, and the header is padded with spaces so that the data starts at a multiple of 64
 * bytes. Writing is atomic: the bytes go to a temporary file in the target's directory, which is then
 * renamed over the target, so readers see the old file or the new one and a failure leaves nothing.
 *
 * <p>Tensors are referenced, not copied, until {@link #write} runs.
 */
public final class SafetensorsWriter {

    private static final JsonFactory JSON = new JsonFactory();
    private static final int DATA_ALIGNMENT = 64;

    private record Entry(String name, Dtype dtype, long[] shape, Matrix matrix, MemorySegment raw) {
        long bytes() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n * dtype.bits() / 8;
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, String> metadata = new TreeMap<>();

    /** Adds a {@code __metadata__} entry (string to string); a later value for the same key wins. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> entries) {
        metadata.putAll(entries);
        return this;
    }

    /** Adds {@code m} as an F32 tensor of shape [rows, cols]. */
    public SafetensorsWriter put(String name, Matrix m) {
        return put(name, m, Dtype.F32, m.rows(), m.cols());
    }

    /**
     * Adds {@code m} as a tensor of the given shape, whose element count must be rows·cols (for
     * example [3·H] for a 1×3H bias, or [T, B, H] for a (T·B)×H matrix), stored as F32, or rounded
     * to nearest-even F16 or BF16.
     */
    public SafetensorsWriter put(String name, Matrix m, Dtype dtype, long... shape) {
        if (dtype != Dtype.F32 && dtype != Dtype.F16 && dtype != Dtype.BF16) {
            throw new IllegalArgumentException("a matrix is stored as F32, F16 or BF16, not " + dtype);
        }
        long n = checkShape(name, shape);
        if (n != (long) m.rows() * m.cols()) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but the matrix " + m.shape() + " has " + (long) m.rows() * m.cols());
        }
        return add(new Entry(name, dtype, shape.clone(), m, null));
    }

    /** Adds a 1-D I64 tensor. */
    public SafetensorsWriter putLongs(String name, long... values) {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * Long.BYTES]);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, values[i]);
        }
        return putRaw(name, Dtype.I64, new long[] {values.length}, s);
    }

    /** Adds a 1-D I32 tensor. */
    public SafetensorsWriter putInts(String name, int... values) {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * Integer.BYTES]);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, values[i]);
        }
        return putRaw(name, Dtype.I32, new long[] {values.length}, s);
    }

    /** Adds a tensor of any dtype from its raw little-endian bytes, whose length must match the shape. */
    public SafetensorsWriter putRaw(String name, Dtype dtype, long[] shape, MemorySegment bytes) {
        long n = checkShape(name, shape);
        long need = Math.multiplyExact(n, (long) dtype.bits()) / 8;
        if (bytes.byteSize() != need) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + Arrays.toString(shape) + " needs " + need
                    + " bytes, found " + bytes.byteSize());
        }
        return add(new Entry(name, dtype, shape.clone(), null, bytes));
    }

    private static long checkShape(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private SafetensorsWriter add(Entry e) {
        if (e.name().equals("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        if (entries.putIfAbsent(e.name(), e) != null) {
            throw new IllegalArgumentException("tensor '" + e.name() + "' was already added");
        }
        return this;
    }

    /** Writes the file atomically, replacing {@code file} if it exists. */
    public void write(Path file) throws IOException {
        List<Entry> order = new ArrayList<>(entries.values());
        order.sort(Comparator.comparingInt((Entry e) -> -e.dtype().bits()).thenComparing(Entry::name));
        byte[] header = header(order);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot write " + file + ": directory " + dir + " does not exist");
        }
        // not Files.createTempFile: its owner-only permissions would carry over to the model file
        Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                buf.putLong(header.length);
                flush(ch, buf);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Entry e : order) {
                    writeData(ch, buf, e);
                }
                flush(ch, buf);
                ch.force(false);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private byte[] header(List<Entry> order) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (Entry e : order) {
                g.writeObjectFieldStart(e.name());
                g.writeStringField("dtype", e.dtype().name());
                g.writeArrayFieldStart("shape");
                for (long d : e.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                offset += e.bytes();
                g.writeNumber(offset);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        int length = out.size();
        int padded = (int) (((8L + length + DATA_ALIGNMENT - 1) / DATA_ALIGNMENT) * DATA_ALIGNMENT - 8);
        for (int i = length; i < padded; i++) {
            out.write(' ');
        }
        return out.toByteArray();
    }

    private static void writeData(FileChannel ch, ByteBuffer buf, Entry e) throws IOException {
        if (e.raw() != null) {
            flush(ch, buf);
            writeFully(ch, e.raw().asByteBuffer());
            return;
        }
        Matrix m = e.matrix();
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                if (buf.remaining() < Float.BYTES) {
                    flush(ch, buf);
                }
                float v = m.get(r, c);
                switch (e.dtype()) {
                    case F16 -> buf.putShort(Float.floatToFloat16(v));
                    case BF16 -> buf.putShort(Bfloat16.fromFloat(v));
                    default -> buf.putFloat(v);
                }
            }
        }
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        writeFully(ch, buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
