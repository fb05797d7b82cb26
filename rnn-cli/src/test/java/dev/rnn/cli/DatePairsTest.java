package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.models.text.TextPair;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The demo's data: many formats, ISO targets that name the same date, and no source that could mean two dates. */
class DatePairsTest {

    @Test
    void everyFormatAppearsAndTargetsAreIsoDatesInRange() {
        List<TextPair> pairs = DatePairs.generate(5000, 1);
        Set<String> shapes = new HashSet<>();
        for (TextPair p : pairs) {
            LocalDate d = LocalDate.parse(p.target());
            assertTrue(!d.isBefore(LocalDate.of(1950, 1, 1)) && !d.isAfter(LocalDate.of(2049, 12, 31)), p.toString());
            shapes.add(p.source().replaceAll("[0-9]", "9").replaceAll("[a-z]+", "a").replaceAll("[A-Z]+", "A"));
        }
        assertTrue(shapes.size() >= 15, "only " + shapes.size() + " shapes: " + shapes);
        assertEquals(pairs, DatePairs.generate(5000, 1), "a seed repeats the data");
    }

    @Test
    void eachFormatWritesTheDateItClaims() {
        LocalDate[] dates = {LocalDate.of(1950, 1, 1), LocalDate.of(1976, 7, 4), LocalDate.of(1999, 12, 31), LocalDate.of(2000, 2, 29),
                LocalDate.of(2021, 3, 3), LocalDate.of(2049, 11, 22)};
        for (DatePairs.Format f : DatePairs.FORMATS) {
            for (LocalDate d : dates) {
                String text = f.writer().apply(d);
                assertEquals(d, parse(f.name(), text), f.name() + ": " + text);
            }
        }
    }

    @Test
    void noSourceMeansTwoDates() {
        Map<String, String> seen = new HashMap<>();
        for (TextPair p : DatePairs.generate(50_000, 2)) {
            String before = seen.putIfAbsent(p.source(), p.target());
            assertTrue(before == null || before.equals(p.target()), p.source() + " → " + before + " and " + p.target());
        }
    }

    @Test
    void ordinals() {
        assertEquals("1st 2nd 3rd 4th 11th 12th 13th 21st 22nd 23rd 31st",
                String.join(" ", List.of(1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31).stream().map(DatePairs::ordinal).toList()));
    }

    /** Reads a date back with an independent parser for the format (two-digit years pivot at 1950). */
    private static LocalDate parse(String format, String text) {
        String t = text.replaceAll("(\\d+)(st|nd|rd|th)", "$1");
        String pattern = switch (format) {
            case "MMMM dth, yyyy" -> "MMMM d, yyyy";
            case "the dth of MMMM yyyy" -> "'the' d 'of' MMMM yyyy";
            case "upper MMM d, yyyy" -> "MMM d, yyyy";
            case "lower d mmmm yyyy" -> "d MMMM yyyy";
            default -> format;
        };
        DateTimeFormatterBuilder b = new DateTimeFormatterBuilder().parseCaseInsensitive();
        if (pattern.contains("yy") && !pattern.contains("yyyy")) {
            b.appendPattern(pattern.replace("yy", "")).appendValueReduced(ChronoField.YEAR, 2, 2, 1950);
        } else {
            b.appendPattern(pattern.replace("yyyy", "uuuu"));
        }
        DateTimeFormatter f = b.toFormatter(Locale.ENGLISH);
        return LocalDate.parse(t, f);
    }
}
