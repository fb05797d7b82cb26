package dev.rnn.models.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits text into lower-cased words and punctuation: a word is a run of letters and digits, with
 * inner apostrophes kept ({@code don't}, {@code o'clock}); every other non-space character is a token
 * of its own. {@code "Not bad... at ALL!"} gives {@code not, bad, ., ., ., at, all, !}.
 */
public final class WordTokenizer {

    private WordTokenizer() {
    }

    /**
     * Case-preserving words for tagging, split as treebanks split them: letters and digits in runs,
     * punctuation apart, and English clitics as their own words ({@code don't} → {@code do n't},
     * {@code it's} → {@code it 's}).
     */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String raw : text.strip().split("\\s+")) {
            if (raw.isEmpty()) {
                continue;
            }
            int i = 0, n = raw.length();
            while (i < n) {
                int cp = raw.codePointAt(i);
                if (Character.isLetterOrDigit(cp)) {
                    int start = i;
                    while (i < n && (Character.isLetterOrDigit(raw.codePointAt(i))
                            || raw.charAt(i) == '\'' && i + 1 < n && Character.isLetter(raw.codePointAt(i + 1)))) {
                        i += Character.charCount(raw.codePointAt(i));
                    }
                    splitClitic(raw.substring(start, i), out);
                } else {
                    out.add(Character.toString(cp));
                    i += Character.charCount(cp);
                }
            }
        }
        return out;
    }

    private static void splitClitic(String word, List<String> out) {
        String lower = word.toLowerCase(Locale.ROOT);
        if (lower.endsWith("n't") && word.length() > 3) {
            out.add(word.substring(0, word.length() - 3));
            out.add(word.substring(word.length() - 3));
            return;
        }
        int apostrophe = word.indexOf('\'');
        if (apostrophe > 0) {
            out.add(word.substring(0, apostrophe));
            out.add(word.substring(apostrophe));
            return;
        }
        out.add(word);
    }

    public static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                i += Character.charCount(cp);
            } else if (Character.isLetterOrDigit(cp)) {
                int start = i;
                i += Character.charCount(cp);
                while (i < n) {
                    int c = text.codePointAt(i);
                    if (Character.isLetterOrDigit(c)) {
                        i += Character.charCount(c);
                    } else if ((c == '\'' || c == '\u2019') && i + 1 < n && Character.isLetter(text.codePointAt(i + 1))) {
                        i++;
                    } else {
                        break;
                    }
                }
                out.add(text.substring(start, i).replace('\u2019', '\'').toLowerCase(Locale.ROOT));
            } else {
                out.add(Character.toString(cp));
                i += Character.charCount(cp);
            }
        }
        return out;
    }
}
