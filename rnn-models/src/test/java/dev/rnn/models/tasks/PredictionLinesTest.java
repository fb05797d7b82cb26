package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.models.series.CsvTable;
import dev.rnn.models.text.DataException;
import dev.rnn.models.text.TaggedSentence;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictionLinesTest {

    private static final Path FILE = Path.of("part.txt");

    @Test
    void linesHaveEachTasksPrintedForm() {
        assertEquals("positive\t0.8765\tthe food was great",
                PredictionLines.classified("the food was great", new SentenceClassifier.Prediction("positive", 0.87654)));
        assertEquals("the/DET dog/NOUN", PredictionLines.tagged(List.of("the", "dog"), List.of("DET", "NOUN")));
        assertEquals(List.of("1\t12.3457", "2\t-0.00100000"), PredictionLines.forecast(new double[] {12.345678, -0.001}));
        assertEquals("x", PredictionLines.translated("x"));
        assertTrue(PredictionLines.isText(" a "));
        assertFalse(PredictionLines.isText(" \t"));
        assertThrows(IllegalArgumentException.class, () -> PredictionLines.tagged(List.of("a"), List.of()));
    }

    @Test
    void partsOfFilesKeepTheFilesLineNumbers() {
        CsvTable t = CsvTable.parse(FILE, "time,load", 1, List.of("1,2", "", "2,3"), 40);
        assertEquals(2, t.rows());
        assertEquals(42, t.line(1));
        DataException ragged = assertThrows(DataException.class, () -> CsvTable.parse(FILE, "time,load", 1, List.of("1,2", "2"), 40));
        assertEquals("part.txt:41: expected 2 fields as in the header, found 1", ragged.getMessage());

        String word = "\t_\t_\t_\t_\t_\t_\t_\t_";
        assertEquals(List.of(List.of("the", "dog"), List.of("hi")),
                TaggedSentence.conlluWords(FILE, List.of("# c", "1\tthe" + word, "2\tdog" + word, "", "1-2\thi" + word, "1\thi" + word), 7));
        assertEquals(List.of(), TaggedSentence.conlluWords(FILE, List.of("# only a comment"), 7));
        DataException columns = assertThrows(DataException.class, () -> TaggedSentence.conlluWords(FILE, List.of("# c", "1\tthe"), 7));
        assertEquals("part.txt:8: expected 10 TAB-separated columns, found 2", columns.getMessage());
    }
}
