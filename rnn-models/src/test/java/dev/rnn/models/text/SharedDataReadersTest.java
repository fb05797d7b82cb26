package dev.rnn.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.models.SharedData;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The readers on the real data sets, against the counts their README states (skipped without ../shared/data). */
class SharedDataReadersTest {

    @Test
    void universalDependenciesEnglish() {
        List<TaggedSentence> train = TaggedSentence.readConllu(SharedData.require("ud-en-ewt/train.conllu"), TaggedSentence.Column.UPOS);
        List<TaggedSentence> dev = TaggedSentence.readConllu(SharedData.require("ud-en-ewt/dev.conllu"), TaggedSentence.Column.UPOS);
        assertEquals(12_544, train.size());
        assertEquals(204_577, train.stream().mapToInt(s -> s.words().size()).sum());
        assertEquals(2_001, dev.size());
        assertEquals(25_147, dev.stream().mapToInt(s -> s.words().size()).sum());
        Set<String> tags = new HashSet<>();
        train.forEach(s -> tags.addAll(s.tags()));
        assertEquals(17, tags.size());
    }

    @Test
    void sentimentSentences() {
        List<LabelledSentence> imdb = LabelledSentence.read(List.of(SharedData.require("sentiment/imdb_labelled.txt")));
        List<LabelledSentence> yelp = LabelledSentence.read(List.of(SharedData.require("sentiment/yelp_labelled.txt")));
        assertEquals(1000, imdb.size());
        assertEquals(1000, yelp.size());
        assertEquals(Set.of("0", "1"), new HashSet<>(imdb.stream().map(LabelledSentence::label).toList()));
    }

    @Test
    void tinyShakespeare() {
        String text = TextFiles.read(SharedData.require("tinyshakespeare.txt"));
        assertEquals(1_115_394, text.length());
        assertEquals(65, Vocabulary.ofCharacters(text).size());
    }
}
