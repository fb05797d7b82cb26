package dev.rnn.models.series;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.models.text.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV reading, the schema's standardization and one-hot encoding, and the windows around missing values. */
class SeriesDataTest {

    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void readsQuotedFieldsAndKeepsLineNumbers() throws IOException {
        CsvTable t = CsvTable.read(csv("a.csv", "\"Date\",\"Temp\", note\n\n\"1981-01-01\",20.7,\"a, \"\"b\"\"\"\n 2 , 3.5e1 ,\n"));
        assertEquals(List.of("Date", "Temp", "note"), t.columns());
        assertEquals(2, t.rows());
        assertEquals("a, \"b\"", t.value(0, 2));
        assertEquals(3, t.line(0));
        assertEquals(4, t.line(1));
        assertEquals(35.0, CsvTable.number(t.value(1, 1)));
        assertTrue(Double.isNaN(CsvTable.number(t.value(1, 2))));
        assertEquals(null, CsvTable.number("1f"));
        assertEquals(null, CsvTable.number("Infinity"));
    }

    @Test
    void malformedCsvGetsOneLineErrorsWithTheLine() throws IOException {
        assertEquals(csv("r.csv", "a,b\n1,2\n3\n") + ":3: expected 2 fields as in the header, found 1",
                assertThrows(DataException.class, () -> CsvTable.read(dir.resolve("r.csv"))).getMessage());
        assertTrue(assertThrows(DataException.class, () -> CsvTable.read(csv("d.csv", "a,a\n1,2\n"))).getMessage()
                .endsWith(":1: column 'a' appears twice in the header"));
        assertTrue(assertThrows(DataException.class, () -> CsvTable.read(csv("q.csv", "a,b\n\"1,2\n"))).getMessage()
                .endsWith(":2: a quoted field is not closed (fields cannot span lines)"));
        assertTrue(assertThrows(DataException.class, () -> CsvTable.read(csv("h.csv", "a,b\n"))).getMessage()
                .endsWith(": no data rows after the header"));
        CsvTable t = CsvTable.read(csv("t.csv", "y,x\n1,2\n2,3\nabc,4\n"));
        assertTrue(assertThrows(DataException.class, () -> SeriesSchema.fit(t, "y", List.of(), 2)).getMessage()
                .endsWith(":4: the target column 'y' holds 'abc', not a number"));
        assertTrue(assertThrows(DataException.class, () -> SeriesSchema.fit(t, "z", List.of(), 2)).getMessage()
                .endsWith(": no column 'z' (columns: y, x)"));
        assertTrue(assertThrows(DataException.class, () -> SeriesSchema.fit(t, "x", List.of("x"), 2)).getMessage()
                .contains("lists the target column 'x'"));
    }

    @Test
    void standardizesWithTrainingStatisticsOnlyAndRoundTrips() throws IOException {
        CsvTable t = CsvTable.read(csv("s.csv", "y,x\n1,10\n3,NA\n5,30\n100,1000\n"));
        SeriesSchema s = SeriesSchema.fit(t, "y", List.of("x"), 3);
        assertEquals(3.0, s.target().mean(), 1e-12);
        assertEquals(Math.sqrt(8.0 / 3), s.target().std(), 1e-12);
        assertEquals(20.0, s.features().get(0).mean(), 1e-12);      // the NA row and the test row do not count
        assertEquals(10.0, s.features().get(0).std(), 1e-12);
        EncodedSeries e = s.encode(t);
        for (int r = 0; r < t.rows(); r++) {
            double back = e.inputs()[r * e.width()] * s.target().std() + s.target().mean();
            assertEquals(e.target()[r], back, 1e-4 * Math.abs(e.target()[r]));
        }
        assertTrue(Float.isNaN(e.inputs()[e.width() + 1]));
        Map<String, String> m = new HashMap<>();
        s.putMetadata(m);
        SeriesSchema back = SeriesSchema.fromMetadata(m);
        assertEquals(s.target(), back.target());
        assertEquals(s.features(), back.features());
        assertArrayEquals(e.inputs(), back.encode(t).inputs());
    }

    @Test
    void aTransformedTargetIsStandardizedInTransformedUnitsAndSaved() throws IOException {
        CsvTable t = CsvTable.read(csv("c.csv", "y\n1\n4\n9\nNA\n100\n"));
        SeriesSchema s = SeriesSchema.fit(t, "y", TargetTransform.SQRT, List.of(), 4);
        assertEquals(2.0, s.target().mean(), 1e-12);                 // of √1, √4, √9; the NA and the test row do not count
        assertEquals(Math.sqrt(2.0 / 3), s.target().std(), 1e-12);
        EncodedSeries e = s.encode(t);
        assertEquals((10 - 2) / Math.sqrt(2.0 / 3), e.inputs()[4], 1e-5);
        assertEquals(100.0, e.target()[4]);                           // raw values are kept for scoring
        for (int r : new int[] {0, 1, 2, 4}) {
            assertEquals(e.target()[r], s.targetValue(s.standardizeTarget(e.target()[r]), 0), 1e-9 * e.target()[r]);
        }
        // an error variance of v standardized units is v·std² in √ units, and adds that much to a squared forecast
        assertEquals(9 + 0.5 * 2.0 / 3, s.targetValue(s.standardizeTarget(9), 0.5), 1e-9);
        Map<String, String> m = new HashMap<>();
        s.putMetadata(m);
        assertEquals("sqrt", m.get("series.target.transform"));
        SeriesSchema back = SeriesSchema.fromMetadata(m);
        assertEquals(TargetTransform.SQRT, back.transform());
        assertArrayEquals(e.inputs(), back.encode(t).inputs());
        m.remove("series.target.transform");
        assertEquals(TargetTransform.NONE, SeriesSchema.fromMetadata(m).transform(), "files from before transforms");
        m.put("series.target.transform", "cube");
        assertEquals("metadata 'series.target.transform': transform must be none, sqrt or log1p, found 'cube'",
                assertThrows(IllegalArgumentException.class, () -> SeriesSchema.fromMetadata(m)).getMessage());
        // values outside the domain: named with their file and line, at fit and at encode
        CsvTable negative = CsvTable.read(csv("n.csv", "y\n1\n2\n-3\n"));
        assertEquals(dir.resolve("n.csv") + ":4: the target column 'y' holds -3, but the sqrt transform needs values ≥ 0",
                assertThrows(DataException.class, () -> SeriesSchema.fit(negative, "y", TargetTransform.SQRT, List.of(), 2)).getMessage());
        assertTrue(assertThrows(DataException.class, () -> s.encode(negative)).getMessage().endsWith(":4: the target column 'y' holds -3,"
                + " but the sqrt transform needs values ≥ 0"));
        assertTrue(assertThrows(DataException.class, () -> SeriesSchema.fit(CsvTable.read(csv("l.csv", "y\n1\n-1\n")), "y",
                TargetTransform.LOG1P, List.of(), 2)).getMessage().endsWith(":3: the target column 'y' holds -1, but the log1p"
                + " transform needs values > -1"));
    }

        @Test
    void oneHotColumnsAreStableAcrossFiles() throws IOException {
        CsvTable train = CsvTable.read(csv("train.csv", "y,w\n1,rain\n2,sun\n3,fog\n4,sun\n5,hail\n"));
        SeriesSchema s = SeriesSchema.fit(train, "y", List.of("w"), 4);
        assertEquals(List.of("fog", "rain", "sun"), s.features().get(0).categories());   // sorted; 'hail' is only in the test rows
        assertEquals(4, s.width());
        // another file: columns in another order, categories in another order of appearance, one unseen
        CsvTable other = CsvTable.read(csv("other.csv", "w,y\nsun,1\nfog,2\nsnow,3\n"));
        EncodedSeries e = s.encode(other);
        assertArrayEquals(new float[] {0, 0, 1}, java.util.Arrays.copyOfRange(e.inputs(), 1, 4));
        assertArrayEquals(new float[] {1, 0, 0}, java.util.Arrays.copyOfRange(e.inputs(), 5, 8));
        assertArrayEquals(new float[] {0, 0, 0}, java.util.Arrays.copyOfRange(e.inputs(), 9, 12));
        assertEquals(1, e.unseenCategories());
        Map<String, String> m = new HashMap<>();
        s.putMetadata(m);
        assertArrayEquals(e.inputs(), SeriesSchema.fromMetadata(m).encode(other).inputs());
        CsvTable numericBecameText = CsvTable.read(csv("bad.csv", "y,w\n1,2\nx,3\n"));
        assertTrue(assertThrows(DataException.class, () -> s.encode(numericBecameText)).getMessage()
                .endsWith(":3: the target column 'y' holds 'x', not a number"));
    }

    @Test
    void windowsWithAMissingValueAreSkippedOnBothSidesOfTheSplit() throws IOException {
        StringBuilder b = new StringBuilder("y,x\n");
        for (int r = 0; r < 30; r++) {
            b.append(r == 5 || r == 22 ? "NA" : Integer.toString(r)).append(',').append(r == 8 ? "" : "1").append('\n');
        }
        CsvTable t = CsvTable.read(csv("w.csv", b.toString()));
        EncodedSeries e = SeriesSchema.fit(t, "y", List.of("x"), 16).encode(t);
        ForecastWindows w = ForecastWindows.split(e, 3, 2, 16, 0);
        // ends 2..27 (inputs e−2..e, targets e+1, e+2). Training: e + 2 < 16; test: e + 1 ≥ 16; e = 14 straddles.
        // Missing: y at rows 5 and 22 (an input and a target), x at row 8 (an input only).
        assertArrayEquals(new int[] {2, 11, 12, 13}, w.train());
        assertEquals(8, w.skippedTraining());     // 3, 4 (target 5), 5..7 (input 5), 8..10 (input 8)
        assertArrayEquals(new int[] {15, 16, 17, 18, 19, 25, 26, 27}, w.test());
        assertEquals(5, w.skippedTest());         // 20, 21 (target 22), 22..24 (input 22)
        ForecastWindows v = ForecastWindows.split(e, 3, 2, 16, 0.5);
        assertArrayEquals(new int[] {2, 11}, v.train());
        assertArrayEquals(new int[] {12, 13}, v.validation());
    }
}
