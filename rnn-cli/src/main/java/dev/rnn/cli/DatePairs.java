package dev.rnn.cli;

import dev.rnn.models.text.TextPair;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Date-normalisation pairs for the demo: a date between 1950 and 2049 written the way people write
 * dates (names and abbreviations of months and weekdays, ordinals, numeric forms with different
 * separators, two-digit years, different letter cases) → the same date in ISO 8601. Every format is
 * unambiguous: numeric month-first forms use slashes, day-first forms use dots, and two-digit years
 * mean 1950–2049.
 */
final class DatePairs {

    /** One way of writing a date. */
    record Format(String name, Function<LocalDate, String> writer) {
    }

    static final List<Format> FORMATS = List.of(
            pattern("d MMMM yyyy"), pattern("MMMM d, yyyy"), pattern("MMM d, yyyy"), pattern("d MMM yyyy"),
            pattern("EEEE, MMMM d, yyyy"), pattern("EEE, d MMM yyyy"), pattern("MMMM d yyyy"), pattern("d MMMM, yyyy"),
            pattern("MM/dd/yyyy"), pattern("M/d/yyyy"), pattern("M/d/yy"), pattern("dd.MM.yyyy"), pattern("d.M.yyyy"),
            pattern("dd.MM.yy"), pattern("yyyy/MM/dd"), pattern("yyyy-MM-dd"), pattern("MMM dd yy"), pattern("EEE MMM d yyyy"),
            new Format("MMMM dth, yyyy", d -> d.format(DateTimeFormatter.ofPattern("MMMM ", Locale.ENGLISH)) + ordinal(d.getDayOfMonth())
                    + ", " + d.getYear()),
            new Format("the dth of MMMM yyyy", d -> "the " + ordinal(d.getDayOfMonth()) + " of "
                    + d.format(DateTimeFormatter.ofPattern("MMMM yyyy", Locale.ENGLISH))),
            new Format("upper MMM d, yyyy", d -> d.format(DateTimeFormatter.ofPattern("MMM d, yyyy", Locale.ENGLISH)).toUpperCase(Locale.ROOT)),
            new Format("lower d mmmm yyyy", d -> d.format(DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH)).toLowerCase(Locale.ROOT)));

    private static final LocalDate FIRST = LocalDate.of(1950, 1, 1);
    private static final int DAYS = (int) (LocalDate.of(2049, 12, 31).toEpochDay() - FIRST.toEpochDay() + 1);

    private DatePairs() {
    }

    private static Format pattern(String p) {
        DateTimeFormatter f = DateTimeFormatter.ofPattern(p, Locale.ENGLISH);
        return new Format(p, d -> d.format(f));
    }

    static String ordinal(int day) {
        String suffix = day % 100 >= 11 && day % 100 <= 13 ? "th" : switch (day % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return day + suffix;
    }

    /** {@code n} pairs from a generator seeded with {@code seed}: random date, random format → ISO date. */
    static List<TextPair> generate(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TextPair> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LocalDate d = FIRST.plusDays(r.nextInt(DAYS));
            Format f = FORMATS.get(r.nextInt(FORMATS.size()));
            out.add(new TextPair(f.writer().apply(d), d.toString()));
        }
        return out;
    }
}
