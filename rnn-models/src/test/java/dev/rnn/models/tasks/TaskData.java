package dev.rnn.models.tasks;

import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small generated data sets that a working model learns in seconds (also rnn-serve's, through this module's test jar). */
public final class TaskData {

    private TaskData() {
    }

    /** A text with short-range structure: words from a small lexicon in a fixed grammar. */
    public static String text(int chars, long seed) {
        Random r = new Random(seed);
        String[] subjects = {"the cat", "a dog", "my friend", "the king"};
        String[] verbs = {"sees", "likes", "finds", "eats"};
        String[] objects = {"the fish.", "a bone.", "the crown.", "my hat."};
        StringBuilder s = new StringBuilder();
        while (s.length() < chars) {
            s.append(subjects[r.nextInt(4)]).append(' ').append(verbs[r.nextInt(4)]).append(' ').append(objects[r.nextInt(4)]).append('\n');
        }
        return s.substring(0, chars);
    }

    private static final String[] GOOD = {"good", "great", "lovely", "superb", "fine"};
    private static final String[] BAD = {"bad", "awful", "poor", "terrible", "dull"};
    private static final String[] FILLER = {"the", "food", "was", "movie", "really", "service", "and", "plot", "quite", "very"};

    /** Sentences labelled "pos" or "neg" by the one sentiment word they contain, amid filler words. */
    public static List<LabelledSentence> sentiment(int n, long seed) {
        Random r = new Random(seed);
        List<LabelledSentence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean good = r.nextBoolean();
            List<String> words = new ArrayList<>();
            int len = 2 + r.nextInt(6);
            for (int j = 0; j < len; j++) {
                words.add(FILLER[r.nextInt(FILLER.length)]);
            }
            words.add(r.nextInt(words.size() + 1), (good ? GOOD : BAD)[r.nextInt(5)]);
            out.add(new LabelledSentence(String.join(" ", words) + (r.nextBoolean() ? "." : "!"), good ? "pos" : "neg"));
        }
        return out;
    }

    /** Sentences "DET (ADJ) NOUN VERB (PROPN) PUNCT" with capitalised proper names. */
    public static List<TaggedSentence> tagged(int n, long seed) {
        Random r = new Random(seed);
        String[] det = {"the", "a", "this"}, adj = {"big", "old", "red"}, noun = {"cat", "dog", "house", "tree"},
                verb = {"sees", "likes", "hits"}, propn = {"Anna", "Bob", "Carla", "Dmitri", "Emma", "Farid"};
        List<TaggedSentence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> w = new ArrayList<>(), t = new ArrayList<>();
            w.add(det[r.nextInt(3)]);
            t.add("DET");
            if (r.nextBoolean()) {
                w.add(adj[r.nextInt(3)]);
                t.add("ADJ");
            }
            w.add(noun[r.nextInt(4)]);
            t.add("NOUN");
            w.add(verb[r.nextInt(3)]);
            t.add("VERB");
            w.add(propn[r.nextInt(propn.length)]);
            t.add("PROPN");
            w.add(".");
            t.add("PUNCT");
            out.add(new TaggedSentence(w, t));
        }
        return out;
    }
}
