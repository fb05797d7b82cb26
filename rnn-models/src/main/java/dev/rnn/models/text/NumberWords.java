package dev.rnn.models.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Whole numbers 0..999,999,999 written in English words, without "and" or hyphens ("three hundred
 * forty two thousand seven"), and their digits as one-hot feature vectors: the generated task that
 * shows generation from a feature vector.
 */
public final class NumberWords {

    private NumberWords() {
    }

    public static final long MAX = 999_999_999L;

    private static final String[] SMALL = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
    private static final String[] TENS = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

    /** {@code n} in words. */
    public static String words(long n) {
        if (n < 0 || n > MAX) {
            throw new IllegalArgumentException("numbers 0.." + MAX + " only, found " + n);
        }
        if (n == 0) {
            return "zero";
        }
        List<String> out = new ArrayList<>();
        long millions = n / 1_000_000, thousands = n / 1000 % 1000, rest = n % 1000;
        if (millions > 0) {
            below1000((int) millions, out);
            out.add("million");
        }
        if (thousands > 0) {
            below1000((int) thousands, out);
            out.add("thousand");
        }
        if (rest > 0) {
            below1000((int) rest, out);
        }
        return String.join(" ", out);
    }

    private static void below1000(int n, List<String> out) {
        if (n >= 100) {
            out.add(SMALL[n / 100]);
            out.add("hundred");
            n %= 100;
        }
        if (n >= 20) {
            out.add(TENS[n / 10]);
            n %= 10;
            if (n > 0) {
                out.add(SMALL[n]);
            }
        } else if (n > 0) {
            out.add(SMALL[n]);
        }
    }

    /** The last {@code digits} decimal digits of {@code n}, most significant first, each one-hot over 10: digits·10 values. */
    public static float[] digits(long n, int digits) {
        if (digits < 1 || digits > 18 || n < 0) {
            throw new IllegalArgumentException("1..18 digits of a number ≥ 0, found " + digits + " digits of " + n);
        }
        float[] f = new float[digits * 10];
        long v = n;
        for (int d = digits - 1; d >= 0; d--) {
            f[d * 10 + (int) (v % 10)] = 1f;
            v /= 10;
        }
        return f;
    }
}
