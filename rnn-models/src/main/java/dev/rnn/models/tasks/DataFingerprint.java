package dev.rnn.models.tasks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A content hash of a training run's data, which a resumed run must match: SHA-256 over the data's
 * bytes in one specified encoding, so that it is the same on every JVM. Integers are 4 bytes and
 * longs 8, big-endian; a string is its UTF-8 byte count, then the bytes; an array or a list is its
 * length, then its elements; a float is its IEEE 754 bits ({@link Float#floatToIntBits}), a double
 * likewise ({@link Double#doubleToLongBits}). Each training task says which parts it hashes, in order.
 */
final class DataFingerprint {

    /** Adds one example to a fingerprint. */
    interface Encoder<T> {
        void add(DataFingerprint f, T example);
    }

    private final MessageDigest digest;
    private final byte[] word = new byte[8];

    DataFingerprint() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** {@code train.size()+validation.size():HEX}, the hash of both lists of examples, training first. */
    static <T> String of(List<T> train, List<T> validation, Encoder<T> encoder) {
        DataFingerprint f = new DataFingerprint();
        f.examples(train, encoder).examples(validation, encoder);
        return train.size() + "+" + validation.size() + ":" + f.hex();
    }

    <T> DataFingerprint examples(List<T> examples, Encoder<T> encoder) {
        integer(examples.size());
        for (T e : examples) {
            encoder.add(this, e);
        }
        return this;
    }

    DataFingerprint integer(int v) {
        for (int i = 0; i < 4; i++) {
            word[i] = (byte) (v >>> (24 - 8 * i));
        }
        digest.update(word, 0, 4);
        return this;
    }

    DataFingerprint longInteger(long v) {
        for (int i = 0; i < 8; i++) {
            word[i] = (byte) (v >>> (56 - 8 * i));
        }
        digest.update(word, 0, 8);
        return this;
    }

    DataFingerprint text(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        integer(bytes.length);
        digest.update(bytes);
        return this;
    }

    DataFingerprint texts(List<String> list) {
        integer(list.size());
        for (String s : list) {
            text(s);
        }
        return this;
    }

    DataFingerprint ints(int[] values) {
        integer(values.length);
        for (int v : values) {
            integer(v);
        }
        return this;
    }

    DataFingerprint floats(float[] values) {
        integer(values.length);
        for (float v : values) {
            integer(Float.floatToIntBits(v));
        }
        return this;
    }

    DataFingerprint doubles(double[] values) {
        integer(values.length);
        for (double v : values) {
            longInteger(Double.doubleToLongBits(v));
        }
        return this;
    }

    /** The hash, 64 lower-case hex digits; the fingerprint is spent. */
    String hex() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
