package dev.rnn.models.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.rnn.core.Bfloat16;
import dev.rnn.core.Matrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A safetensors file opened for reading: 8 bytes of little-endian header length N, N bytes of UTF-8
 * JSON header, then the tensors' raw little-endian data, row-major.
 *
 * <p>The whole file is memory-mapped read-only. {@link #open} checks everything the format's reference
 * implementation checks before any tensor is used: N at most 100,000,000 and inside the file; the
 * header starts with '{', is UTF-8 and JSON; no name appears twice; dtypes are known; shapes are
 * non-negative integers whose element count does not overflow; data offsets run contiguously from 0,
 * each tensor's byte length equals its element count times its dtype size, and the last tensor ends
 * exactly at the end of the file. Each failure is a {@link SafetensorsException} naming the file and
 * the problem.
 *
 * <p>{@link #floats} returns F32 tensors as views of the mapping (no copy) and converts F16, BF16 and
 * F64 to float32 in the file's arena. Tensors stay valid until the arena closes: {@link #close()}
 * closes it when this object created it; otherwise its owner does.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** The largest header the reference implementation accepts. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path path;
    private final Arena arena;
    private final boolean ownsArena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;   // in data order
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, boolean ownsArena, MemorySegment data,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.ownsArena = ownsArena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file} in an arena of its own, which {@link #close()} closes. */
    public static SafetensorsFile open(Path file) throws SafetensorsException {
        Arena arena = Arena.ofShared();
        try {
            return open(file, arena, true);
        } catch (SafetensorsException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Opens and validates {@code file}, mapping it into {@code arena} (for example a model's), which
     * the caller closes; {@link #close()} then does nothing.
     */
    public static SafetensorsFile open(Path file, Arena arena) throws SafetensorsException {
        return open(file, arena, false);
    }

    private static SafetensorsFile open(Path file, Arena arena, boolean owns) throws SafetensorsException {
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(file, "no such file");
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot read: " + e.getMessage(), e);
        }
        long size = whole.byteSize();
        if (size < 8) {
            throw new SafetensorsException(file, "file of " + size + " bytes is too short for the 8-byte header length");
        }
        long n = whole.get(U64, 0);
        boolean headerFits = n > 0 && n <= MAX_HEADER_BYTES && 8 + n <= size && whole.get(ValueLayout.JAVA_BYTE, 8) == '{';
        String foreign = headerFits ? null : ForeignFormats.describe(whole);
        if (foreign != null) {
            throw new SafetensorsException(file, "not a safetensors file (it starts with " + foreign + ")");
        }
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + n > size) {
            throw new SafetensorsException(file, "header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        byte[] header = whole.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8");
        }
        if (json.isEmpty() || json.charAt(0) != '{') {
            throw new SafetensorsException(file, "header does not start with '{'");
        }
        Map<String, String> metadata = new TreeMap<>();
        List<TensorInfo> infos = parseHeader(file, json, metadata);
        MemorySegment data = whole.asSlice(8 + n);
        Map<String, TensorInfo> byName = validate(file, infos, data.byteSize());
        return new SafetensorsFile(file, arena, owns, data, byName, Collections.unmodifiableMap(metadata));
    }

    private static List<TensorInfo> parseHeader(Path file, String json, Map<String, String> metadata) throws SafetensorsException {
        List<TensorInfo> infos = new ArrayList<>();
        try (JsonParser p = JSON.createParser(json)) {
            expect(file, p.nextToken(), JsonToken.START_OBJECT, "the header");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("__metadata__")) {
                    if (value == JsonToken.VALUE_NULL) {
                        continue;
                    }
                    expect(file, value, JsonToken.START_OBJECT, "__metadata__");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        if (p.nextToken() != JsonToken.VALUE_STRING) {
                            throw new SafetensorsException(file, "__metadata__ value of '" + key + "' is not a string");
                        }
                        metadata.put(key, p.getText());
                    }
                } else {
                    expect(file, value, JsonToken.START_OBJECT, "tensor '" + name + "'");
                    infos.add(parseTensor(file, p, name));
                }
            }
            expect(file, p.currentToken(), JsonToken.END_OBJECT, "the header");
            if (p.nextToken() != null) {
                throw new SafetensorsException(file, "header has text after its JSON object");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (StreamReadException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith("Duplicate field")) {
                throw new SafetensorsException(file, "header names " + m.substring("Duplicate field ".length()) + " twice");
            }
            throw new SafetensorsException(file, "header is not valid JSON: " + firstLine(m));
        } catch (IOException e) {
            throw new SafetensorsException(file, "header cannot be parsed: " + firstLine(e.getMessage()), e);
        }
        return infos;
    }

    private static TensorInfo parseTensor(Path file, JsonParser p, String name) throws IOException {
        String what = "tensor '" + name + "'";
        Dtype dtype = null;
        long[] shape = null, offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    expect(file, v, JsonToken.VALUE_STRING, what + " dtype");
                    dtype = Dtype.byName(p.getText());
                    if (dtype == null) {
                        throw new SafetensorsException(file, what + " has unknown dtype '" + p.getText() + "'");
                    }
                }
                case "shape" -> shape = integers(file, p, v, what + " shape");
                case "data_offsets" -> {
                    offsets = integers(file, p, v, what + " data_offsets");
                    if (offsets.length != 2) {
                        throw new SafetensorsException(file, what + " data_offsets has " + offsets.length
                                + " entries, expected 2 [begin, end]");
                    }
                }
                default -> p.skipChildren();   // the reference implementation ignores unknown fields too
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            String missing = dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw new SafetensorsException(file, what + " has no " + missing);
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] integers(Path file, JsonParser p, JsonToken start, String what) throws IOException {
        expect(file, start, JsonToken.START_ARRAY, what);
        long[] values = new long[4];
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new SafetensorsException(file, what + " holds " + describe(p, t) + ", expected non-negative integers");
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
                throw new SafetensorsException(file, what + " holds " + p.getText() + ", outside 0.." + Long.MAX_VALUE);
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, 2 * n);
            }
            values[n++] = p.getLongValue();
        }
        return Arrays.copyOf(values, n);
    }

    private static void expect(Path file, JsonToken found, JsonToken expected, String what) throws SafetensorsException {
        if (found != expected) {
            String kind = switch (expected) {
                case START_OBJECT -> "an object";
                case END_OBJECT -> "the end of an object";
                case START_ARRAY -> "an array";
                case VALUE_STRING -> "a string";
                default -> expected.toString();
            };
            throw new SafetensorsException(file, what + " is " + (found == null ? "missing" : describe(found)) + ", expected " + kind);
        }
    }

    private static String describe(JsonParser p, JsonToken t) throws IOException {
        return t.isScalarValue() ? "'" + p.getText() + "'" : describe(t);
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "unknown error";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The reference implementation's checks of sizes and offsets, in data order. */
    private static Map<String, TensorInfo> validate(Path file, List<TensorInfo> infos, long dataBytes) throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        long next = 0;
        for (TensorInfo t : sorted) {
            if (t.begin() != next || t.end() < t.begin()) {
                throw new SafetensorsException(file, "tensor '" + t.name() + "' has data_offsets [" + t.begin() + ", " + t.end()
                        + "], expected to begin at " + next + (t.begin() < next ? " (it overlaps the previous tensor)"
                        : t.begin() > next ? " (a gap precedes it)" : ""));
            }
            long bytes;
            try {
                long bits = Math.multiplyExact(elementCount(t.shape()), (long) t.dtype().bits());
                if (bits % 8 != 0) {
                    throw new SafetensorsException(file, "tensor '" + t.name() + "' of dtype " + t.dtype() + " and shape "
                            + t.shapeString() + " does not fill whole bytes");
                }
                bytes = bits / 8;
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file, "tensor '" + t.name() + "' has shape " + t.shapeString()
                        + " whose size overflows");
            }
            if (t.end() - t.begin() != bytes) {
                throw new SafetensorsException(file, "tensor '" + t.name() + "' has " + (t.end() - t.begin())
                        + " bytes of data but its dtype " + t.dtype() + " and shape " + t.shapeString() + " need " + bytes);
            }
            next = t.end();
            byName.put(t.name(), t);
        }
        if (next != dataBytes) {
            throw new SafetensorsException(file, next > dataBytes
                    ? "tensor data ends at byte " + next + " of the data section, past the end of the file (" + dataBytes + " bytes of data)"
                    : "the file has " + (dataBytes - next) + " bytes after the last tensor's data");
        }
        return Collections.unmodifiableMap(byName);
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} entries (empty when the file has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensors' names in data order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of {@code name}; a missing tensor is an error naming it. */
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(path, "missing tensor '" + name + "'");
        }
        return t;
    }

    /** The raw little-endian bytes of {@code name}, a read-only slice of the mapping. */
    public MemorySegment bytes(String name) throws SafetensorsException {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteLength());
    }

    /**
     * Checks that {@code name} exists and has exactly {@code expected} as its shape, with a message
     * naming the tensor, the expected and the found shape otherwise.
     */
    public TensorInfo requireShape(String name, long... expected) throws SafetensorsException {
        TensorInfo t = info(name);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new SafetensorsException(path, "tensor '" + name + "' has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(expected));
        }
        return t;
    }

    /**
     * Tensor {@code name}, which must have shape {@code expected}, as a float32 matrix: rows are the
     * product of all but the last dimension (1 for rank ≤ 1), columns the last dimension. F32 data is
     * a read-only view of the mapping; F16, BF16 and F64 are converted into the arena; other dtypes
     * are refused.
     */
    public Matrix floats(String name, long... expected) throws SafetensorsException {
        TensorInfo t = requireShape(name, expected);
        long cols = t.rank() == 0 ? 1 : t.dim(t.rank() - 1);
        long rows = 1;
        for (int i = 0; i < t.rank() - 1; i++) {
            rows *= t.dim(i);   // cannot overflow: the whole element count was checked on open
        }
        if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new SafetensorsException(path, "tensor '" + name + "' of shape " + t.shapeString() + " is too large for a matrix");
        }
        MemorySegment src = data.asSlice(t.begin(), t.byteLength());
        int r = (int) rows, c = (int) cols;
        if (t.dtype() == Dtype.F32) {
            return Matrix.wrap(src, r, c);
        }
        if (!t.dtype().isFloatingPoint()) {
            throw new SafetensorsException(path, "tensor '" + name + "' has dtype " + t.dtype()
                    + ", which cannot be read as float32 (F32, F16, BF16 or F64 can)");
        }
        Matrix m = Matrix.allocate(arena, r, c);
        MemorySegment dst = m.segment();
        long n = t.elementCount();
        switch (t.dtype()) {
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(Matrix.FLOAT, i, Float.float16ToFloat(src.getAtIndex(I16, i)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(Matrix.FLOAT, i, Bfloat16.toFloat(src.getAtIndex(I16, i)));
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(Matrix.FLOAT, i, (float) src.getAtIndex(F64, i));
                }
            }
        }
        return m;
    }

    /** Integer tensor {@code name} (I64, I32, I16, I8 or U8) of shape {@code expected}, widened to long. */
    public long[] integers(String name, long... expected) throws SafetensorsException {
        TensorInfo t = requireShape(name, expected);
        if (t.elementCount() > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(path, "tensor '" + name + "' is too large to read as integers");
        }
        Dtype d = t.dtype();
        if (d != Dtype.I64 && d != Dtype.I32 && d != Dtype.I16 && d != Dtype.I8 && d != Dtype.U8) {
            throw new SafetensorsException(path, "tensor '" + name + "' has dtype " + d + ", expected an integer type (I64 or I32)");
        }
        MemorySegment src = data.asSlice(t.begin(), t.byteLength());
        long[] out = new long[(int) t.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (d) {
                case I64 -> src.getAtIndex(U64, i);
                case I32 -> src.getAtIndex(I32, i);
                case I16 -> src.getAtIndex(I16, i);
                case I8 -> src.get(ValueLayout.JAVA_BYTE, i);
                default -> src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            };
        }
        return out;
    }

    /**
     * Drops the pages under {@code tensor}, when it is a view of a file mapping, from this process's
     * resident memory (the whole pages it touches): they stay in the operating system's page cache and
     * are read again when next touched. For a tensor copied or packed elsewhere whose mapping must stay
     * open for other uses. Does nothing for memory that is not mapped.
     */
    public static void evict(Matrix tensor) {
        MemorySegment s = tensor.segment();
        if (s.isMapped()) {
            s.unload();
        }
    }

    @Override
    public void close() {
        if (ownsArena) {
            arena.close();
        }
    }
}
