package dev.rnn.models.text;

/**
 * The character-level view of a word, for words never seen in training: hashed ids of its
 * prefixes (1–3 characters), suffixes (1–4 characters, lower-cased) and shape (upper, lower, digit,
 * other, with runs collapsed: {@code Xxxx-dd} for "Mid-90"), each in [0, buckets). A word's vector is the
 * mean of the embeddings of these ids, so "unseen-looking" words still get a vector from their
 * spelling (fastText's subword idea, restricted to affixes, which carry most of English morphology).
 */
public final class CharNgrams {

    /** Ids per word: 3 prefixes, 4 suffixes, 1 shape. */
    public static final int PER_WORD = 8;

    private CharNgrams() {
    }

    /** Writes the word's {@link #PER_WORD} ids into {@code out} from {@code offset}. */
    public static void ids(String word, int buckets, int[] out, int offset) {
        String lower = word.toLowerCase(java.util.Locale.ROOT);
        int n = lower.length(), k = offset;
        for (int len = 1; len <= 3; len++) {
            out[k++] = bucket('P', lower, 0, Math.min(len, n), len, buckets);
        }
        for (int len = 1; len <= 4; len++) {
            out[k++] = bucket('S', lower, Math.max(0, n - len), n, len, buckets);
        }
        out[k] = bucket('W', shape(word), 0, Math.min(shape(word).length(), 16), 0, buckets);
    }

    /** Upper → X, lower → x, digit → d, others kept; runs of one class collapsed to one character. */
    static String shape(String word) {
        StringBuilder s = new StringBuilder();
        char last = 0;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            char k = Character.isUpperCase(c) ? 'X' : Character.isLowerCase(c) ? 'x' : Character.isDigit(c) ? 'd' : c;
            if (k != last) {
                s.append(k);
                last = k;
            }
        }
        return s.toString();
    }

    private static int bucket(char kind, String s, int from, int to, int len, int buckets) {
        // FNV-1a over a kind tag, the wanted length (so "ab" as a 3-prefix of a short word differs
        // from a real 2-prefix) and the characters
        int h = 0x811C9DC5;
        h = (h ^ kind) * 0x01000193;
        h = (h ^ len) * 0x01000193;
        for (int i = from; i < to; i++) {
            h = (h ^ s.charAt(i)) * 0x01000193;
        }
        h ^= h >>> 16;
        return Math.floorMod(h, buckets);
    }
}
