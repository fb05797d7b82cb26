package dev.rnn.models.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Helpers for fuzz targets: a scratch file the readers under test open (they take paths), and a
 * generator of safetensors files whose header is built from fuzz data, so that mutations explore
 * names, dtypes, shapes and offsets rather than mostly failing at the first byte.
 */
public final class FuzzFiles {

    private FuzzFiles() {
    }

    /** A file in a fresh temporary directory, removed when the JVM exits. */
    public static Path scratch(String name) {
        try {
            Path dir = Files.createTempDirectory("rnn-fuzz");
            dir.toFile().deleteOnExit();
            Path p = dir.resolve(name);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final List<String> DTYPES = List.of("F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "X");

    /**
     * A safetensors file: up to 8 tensors named from {@code names} (or arbitrary strings), fuzzed
     * dtypes and shapes, offsets that are usually consistent, data bytes from the fuzzer, and now and
     * then metadata or a damaged header.
     */
    public static byte[] safetensors(FuzzedDataProvider d, List<String> names) {
        java.util.Map<String, String> metadata = new java.util.LinkedHashMap<>();
        if (d.consumeBoolean()) {
            metadata.put("mode", d.pickValue(List.of("LSTM", "GRU", "RNN_TANH", "RNN_RELU", "x")));
            metadata.put("task", d.consumeString(12));
        }
        return safetensors(d, names, metadata);
    }

    /** As {@link #safetensors(FuzzedDataProvider, List)} with the given metadata. */
    public static byte[] safetensors(FuzzedDataProvider d, List<String> names, java.util.Map<String, String> metadata) {
        StringBuilder h = new StringBuilder("{");
        int count = d.consumeInt(0, 8);
        long offset = 0;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        if (!metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            int k = 0;
            for (java.util.Map.Entry<String, String> e : metadata.entrySet()) {
                h.append(k++ == 0 ? "" : ",").append('"').append(escape(e.getKey())).append("\":\"").append(escape(e.getValue())).append('"');
            }
            h.append('}');
            if (count > 0) {
                h.append(',');
            }
        }
        for (int i = 0; i < count; i++) {
            String name = d.consumeBoolean() ? d.pickValue(names) : escape(d.consumeString(16));
            String dtype = d.pickValue(DTYPES);
            int rank = d.consumeInt(0, 3);
            long elements = 1;
            StringBuilder shape = new StringBuilder("[");
            for (int r = 0; r < rank; r++) {
                int dim = d.consumeInt(0, 24);
                elements *= dim;
                shape.append(r == 0 ? "" : ",").append(dim);
            }
            shape.append(']');
            int size = switch (dtype) {
                case "F64", "I64" -> 8;
                case "F32", "I32" -> 4;
                case "F16", "BF16", "I16" -> 2;
                default -> 1;
            };
            long length = d.consumeBoolean() ? elements * size : d.consumeLong(0, 64);
            h.append(i == 0 ? "" : ",").append('"').append(name).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":")
                    .append(shape).append(",\"data_offsets\":[").append(offset).append(',').append(offset + length).append("]}");
            offset += length;
            byte[] chunk = d.consumeBytes((int) Math.min(length, 4096));
            bytes.writeBytes(chunk);
            for (long k = chunk.length; k < length; k++) {
                bytes.write(0);
            }
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        if (d.consumeBoolean() && header.length > 2) {
            header[d.consumeInt(0, header.length - 1)] = d.consumeByte();
        }
        long declared = d.consumeBoolean() ? header.length : d.consumeLong(0, header.length + 16L);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + header.length + bytes.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(declared).put(header).put(bytes.toByteArray());
        return out.array();
    }

    /** {@code s} as the inside of a JSON string. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
