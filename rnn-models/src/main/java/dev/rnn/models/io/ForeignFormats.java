package dev.rnn.models.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Names the format of a file that is not safetensors from its first bytes, for the error that refuses
 * it: a picture, an archive or a PyTorch pickle given where a model file belongs.
 */
final class ForeignFormats {

    private record Signature(String name, byte[] magic) {
    }

    private static final List<Signature> SIGNATURES = List.of(
            new Signature("PNG", new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}),
            new Signature("JPEG", new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}),
            new Signature("GIF", new byte[] {'G', 'I', 'F', '8'}),
            new Signature("PDF", new byte[] {'%', 'P', 'D', 'F', '-'}),
            new Signature("ZIP (a PyTorch .pt/.pth file is one; save its state_dict with safetensors' save_file)",
                    new byte[] {'P', 'K', 3, 4}),
            new Signature("gzip", new byte[] {0x1f, (byte) 0x8b}),
            new Signature("HDF5 (Keras .h5)", new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}),
            new Signature("NumPy .npy", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'}),
            new Signature("GGUF", new byte[] {'G', 'G', 'U', 'F'}),
            new Signature("ELF executable", new byte[] {0x7f, 'E', 'L', 'F'}));

    private ForeignFormats() {
    }

    /**
     * What the file starting with {@code start} looks like, as "the PNG signature" or "text ('First Ci')",
     * or null when its first bytes say nothing.
     */
    static String describe(MemorySegment start) {
        for (Signature s : SIGNATURES) {
            if (startsWith(start, s.magic())) {
                return "the " + s.name() + " signature";
            }
        }
        if (startsWith(start, new byte[] {(byte) 0x80}) && start.byteSize() > 1 && start.get(ValueLayout.JAVA_BYTE, 1) >= 2
                && start.get(ValueLayout.JAVA_BYTE, 1) <= 5) {
            return "a Python pickle (torch.save writes those; save the state_dict with safetensors' save_file)";
        }
        if (start.byteSize() >= 8) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                byte b = start.get(ValueLayout.JAVA_BYTE, i);
                if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' || b == 0x7f || b < 0) {
                    return null;   // a safetensors file's first 8 bytes are a length: a zero high byte at least
                }
                text.append(b == '\n' || b == '\r' || b == '\t' ? ' ' : (char) b);
            }
            return "text ('" + text + "')";
        }
        return null;
    }

    private static boolean startsWith(MemorySegment start, byte[] magic) {
        if (start.byteSize() < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (start.get(ValueLayout.JAVA_BYTE, i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
