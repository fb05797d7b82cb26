package dev.rnn.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextReadersTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    @Test
    void labelledLinesAreReadAcrossFiles() throws IOException {
        Path a = write("a.txt", "Great food.  \t1\n\nAwful service.\t0\r\n");
        Path b = write("b.txt", "Meh\tneutral");
        List<LabelledSentence> all = LabelledSentence.read(List.of(a, b));
        assertEquals(List.of(new LabelledSentence("Great food.", "1"), new LabelledSentence("Awful service.", "0"),
                new LabelledSentence("Meh", "neutral")), all);
    }

    @Test
    void labelledLineErrorsNameFileAndLine() throws IOException {
        Path noTab = write("n.txt", "ok\t1\nno label here\n");
        DataException e = assertThrows(DataException.class, () -> LabelledSentence.read(List.of(noTab)));
        assertEquals(noTab + ":2: no TAB-separated label (expected 'text<TAB>label')", e.getMessage());
        Path emptyLabel = write("e.txt", "text\t  \n");
        assertEquals(emptyLabel + ":1: the label column is empty",
                assertThrows(DataException.class, () -> LabelledSentence.read(List.of(emptyLabel))).getMessage());
        Path emptyText = write("t.txt", "\t1\n");
        assertEquals(emptyText + ":1: the text column is empty",
                assertThrows(DataException.class, () -> LabelledSentence.read(List.of(emptyText))).getMessage());
        Path empty = write("z.txt", "");
        assertEquals(empty + ": the file is empty", assertThrows(DataException.class, () -> LabelledSentence.read(List.of(empty))).getMessage());
        Path blank = write("b.txt", "\n \n");
        assertTrue(assertThrows(DataException.class, () -> LabelledSentence.read(List.of(blank))).getMessage().contains("no examples"));
        Path missing = dir.resolve("missing.txt");
        assertEquals(missing + ": no such file", assertThrows(DataException.class, () -> LabelledSentence.read(List.of(missing))).getMessage());
    }

    @Test
    void nonUtf8IsRefusedWithItsLine() throws IOException {
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[] {'o', 'k', '\t', '1', '\n', (byte) 0xC3, (byte) 0x28, '\t', '0', '\n'});
        DataException e = assertThrows(DataException.class, () -> TextFiles.read(bad));
        assertEquals(bad + ":2: not UTF-8 text (byte 5)", e.getMessage());
    }

    @Test
    void conlluSkipsMultiwordTokensEmptyNodesAndComments() throws IOException {
        String s = """
                # sent_id = 1
                # text = Don't stop.
                1-2	Don't	_	_	_	_	_	_	_	_
                1	Do	do	AUX	VBP	_	3	aux	_	_
                2	n't	not	PART	RB	_	3	advmod	_	_
                3	stop	stop	VERB	VB	_	0	root	_	_
                3.1	gone	go	VERB	VBN	_	_	_	_	_
                4	.	.	PUNCT	.	_	3	punct	_	_

                1	Hi	hi	INTJ	UH	_	0	root	_	_
                """;
        Path f = write("x.conllu", s);
        List<TaggedSentence> upos = TaggedSentence.readConllu(f, TaggedSentence.Column.UPOS);
        assertEquals(2, upos.size());
        assertEquals(List.of("Do", "n't", "stop", "."), upos.get(0).words());
        assertEquals(List.of("AUX", "PART", "VERB", "PUNCT"), upos.get(0).tags());
        assertEquals(List.of("INTJ"), upos.get(1).tags());
        assertEquals(List.of("VBP", "RB", "VB", "."), TaggedSentence.readConllu(f, TaggedSentence.Column.XPOS).get(0).tags());
    }

    @Test
    void conlluErrorsNameTheLine() throws IOException {
        Path columns = write("c.conllu", "1\tA\ta\tDET\tDT\t_\t0\troot\t_\t_\n2\tcat\tcat\tNOUN\n");
        assertEquals(columns + ":2: expected 10 TAB-separated columns, found 4",
                assertThrows(DataException.class, () -> TaggedSentence.readConllu(columns, TaggedSentence.Column.UPOS)).getMessage());
        Path id = write("i.conllu", "x\tA\ta\tDET\tDT\t_\t0\troot\t_\t_\n");
        assertEquals(id + ":1: word id 'x' is not a number, a range or a decimal",
                assertThrows(DataException.class, () -> TaggedSentence.readConllu(id, TaggedSentence.Column.UPOS)).getMessage());
        Path tag = write("t.conllu", "1\tA\ta\t\tDT\t_\t0\troot\t_\t_\n");
        assertEquals(tag + ":1: the UPOS tag (column 4) is empty",
                assertThrows(DataException.class, () -> TaggedSentence.readConllu(tag, TaggedSentence.Column.UPOS)).getMessage());
        Path none = write("n.conllu", "# only a comment\n\n");
        assertTrue(assertThrows(DataException.class, () -> TaggedSentence.readConllu(none, TaggedSentence.Column.UPOS))
                .getMessage().startsWith(none + ": no sentences"));
    }

    @Test
    void tokenizerLowerCasesWordsAndSplitsPunctuation() {
        assertEquals(List.of("not", "bad", ".", ".", ".", "at", "all", "!"), WordTokenizer.tokenize("Not bad... at ALL!"));
        assertEquals(List.of("don't", "slow", "-", "moving", "90", "%"), WordTokenizer.tokenize("Don't slow-moving 90%"));
        assertEquals(List.of(), WordTokenizer.tokenize("  \t "));
    }

    @Test
    void taggingTokenizerKeepsCaseAndSplitsClitics() {
        assertEquals(List.of("I", "do", "n't", "know", ",", "it", "'s", "Bob", "'s", "."), WordTokenizer.words("I don't know, it's Bob's."));
    }

    @Test
    void vocabularyIsSortedAfterSpecialsAndRoundTripsThroughJson() {
        Vocabulary v = Vocabulary.build(List.of("<pad>", "<unk>"), List.of("b", "a", "b", "c", "\"q\"", "é"), 1);
        assertEquals(List.of("<pad>", "<unk>", "\"q\"", "a", "b", "c", "é"), v.tokens());
        assertEquals(2, v.count(v.id("b")));
        assertEquals(-1, v.id("zzz"));
        assertEquals(1, v.id("zzz", 1));
        assertEquals(v.tokens(), Vocabulary.fromJson(v.toJson()).tokens());
        assertEquals(List.of("b"), Vocabulary.build(List.of(), List.of("a", "b", "b"), 2).tokens());
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromJson("{\"a\":1}"));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromJson("[\"a\",\"a\"]"));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromJson("[\"a\""));
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.fromJson("[]"));
        assertEquals(List.of("\n", " ", "a", "b"), Vocabulary.ofCharacters("ba a\nb").tokens());
    }

    @Test
    void charNgramIdsAreStableAndInRange() {
        int[] a = new int[CharNgrams.PER_WORD], b = new int[CharNgrams.PER_WORD], c = new int[CharNgrams.PER_WORD];
        CharNgrams.ids("Running", 1000, a, 0);
        CharNgrams.ids("Running", 1000, b, 0);
        CharNgrams.ids("running", 1000, c, 0);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        for (int id : a) {
            assertTrue(id >= 0 && id < 1000);
        }
        // same affixes, different shape (capitalised vs lower case)
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(a, 7)), java.util.Arrays.toString(java.util.Arrays.copyOf(c, 7)));
        assertTrue(a[7] != c[7]);
        assertEquals("Xx-d", CharNgrams.shape("Mid-90"));
        CharNgrams.ids("", 10, a, 0);   // an empty string still gets ids
    }
}
