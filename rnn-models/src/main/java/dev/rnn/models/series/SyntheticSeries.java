package dev.rnn.models.series;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Generated CSV series for forecasting examples and tests: an hourly, multivariate series with a daily and weekly
 * cycle, a weather category that persists for spells and shifts the target, a numeric temperature
 * that leads it, rain that raises it in daylight, autocorrelated noise, and scattered missing values ({@code NA} and empty fields).
 */
public final class SyntheticSeries {

    private SyntheticSeries() {
    }

    public static final String[] WEATHER = {"sunny", "cloudy", "rain"};

    private static final java.time.LocalDateTime START = java.time.LocalDateTime.of(2024, 1, 1, 0, 0);
    private static final java.time.format.DateTimeFormatter STAMP = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    /** Writes {@code hours} rows {@code time,load,temperature,weather} to {@code csv}. */
    public static Path hourly(Path csv, int hours, long seed) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder("time,load,temperature,weather\n");
        int weather = 0;
        double noise = 0, temp = 15;
        for (int t = 0; t < hours; t++) {
            if (rnd.nextDouble() < 1.0 / 48) {
                weather = rnd.nextInt(WEATHER.length);
            }
            double hour = t % 24, day = (t / 24) % 7;
            double daylight = Math.max(0, Math.sin(2 * Math.PI * (hour - 6) / 24));
            temp = 0.9 * temp + 0.1 * (15 + 6 * Math.sin(2 * Math.PI * (hour - 9) / 24) - 3 * weather) + rnd.nextGaussian() * 0.3;
            noise = 0.8 * noise + 1.5 * rnd.nextGaussian();
            // rain raises the load only in daylight: an interaction a linear map of the past cannot express
            double load = 50 + 10 * Math.sin(2 * Math.PI * hour / 24) + 4 * (day >= 5 ? -1 : 1) + 3 * (weather == 1 ? 1 : 0)
                    + 12 * (weather == 2 ? daylight : 0) - 0.8 * (temp - 15) + noise;
            String loadText = rnd.nextDouble() < 0.01 ? "NA" : String.format(Locale.ROOT, "%.3f", load);
            String tempText = rnd.nextDouble() < 0.005 ? "" : String.format(Locale.ROOT, "%.2f", temp);
            String weatherText = rnd.nextDouble() < 0.002 ? "NA" : WEATHER[weather];
            b.append(String.format(Locale.ROOT, "%s,%s,%s,%s%n", START.plusHours(t).format(STAMP), loadText, tempText, weatherText));
        }
        return write(csv, b);
    }

    /** Writes an AR(2) series {@code y} (no missing values) of {@code rows} rows. */
    public static Path autoregressive(Path csv, int rows, double a1, double a2, long seed) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder("t,y\n");
        double y1 = 0, y2 = 0;
        for (int t = 0; t < rows; t++) {
            double y = a1 * y1 + a2 * y2 + rnd.nextGaussian();
            b.append(t).append(',').append(String.format(Locale.ROOT, "%.5f", 10 + y)).append('\n');
            y2 = y1;
            y1 = y;
        }
        return write(csv, b);
    }

    /** Writes {@code text} into a temporary file beside {@code csv}, renamed over it when complete. */
    private static Path write(Path csv, CharSequence text) {
        Path tmp = csv.toAbsolutePath().resolveSibling("." + csv.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try {
                Files.writeString(tmp, text);
                Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return csv;
    }
}
