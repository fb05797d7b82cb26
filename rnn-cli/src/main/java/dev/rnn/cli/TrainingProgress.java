package dev.rnn.cli;

import dev.rnn.models.training.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training as it goes: on a terminal a progress bar per epoch (loss, throughput, time left),
 * elsewhere (CI, a pipe) a plain line every ten seconds; a line per validation either way; and the
 * curve PNG redrawn after every validation.
 */
final class TrainingProgress implements TrainingListener {

    private final PrintWriter out;
    private final Path png;
    private final String title;
    private final boolean terminal;
    private ProgressBar bar;
    private int barEpoch = -1;
    private String unit = "units";
    private long lastLine;
    private volatile double remaining = Double.NaN;
    private double penaltySum;     // the L1/L2 penalty since the last validation, shown apart from the loss
    private int penaltyCount;

    TrainingProgress(PrintWriter out, Path png, String title, boolean terminal) {
        this.out = out;
        this.png = png;
        this.title = title;
        this.terminal = terminal;
    }

    /** Whether standard output is an interactive terminal. */
    static boolean isTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    @Override
    public void started(int epoch, int batch, int batchesPerEpoch, String unit) {
        this.unit = unit;
        out.printf(Locale.ROOT, "training: %d batches per epoch%n", batchesPerEpoch);
        out.flush();
    }

    @Override
    public void penalty(double penalty) {
        penaltySum += penalty;
        penaltyCount++;
    }

    /** " + penalty X" with the mean penalty since the last validation, or nothing without one. */
    private String penaltyText() {
        return penaltyCount == 0 ? "" : String.format(Locale.ROOT, " + penalty %.4f", penaltySum / penaltyCount);
    }

    @Override
    public void batch(int epoch, int batch, int batchesPerEpoch, double recentLoss, double unitsPerSecond,
                      double elapsedSeconds, double remainingSeconds) {
        remaining = remainingSeconds;
        if (terminal) {
            String msg = String.format(Locale.ROOT, "loss %.4f%s · %s %s/s", recentLoss, penaltyText(), rate(unitsPerSecond), unit);
            if (bar == null || barEpoch != epoch) {
                closeBar();
                // the bar's ETA slot shows the time left for the whole run, not for this epoch
                bar = new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1)).setInitialMax(batchesPerEpoch)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                        .setEtaFunction(state -> Double.isFinite(remaining)
                                ? Optional.of(Duration.ofSeconds(Math.round(remaining))) : Optional.empty())
                        .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.out, true))).build();
                barEpoch = epoch;
            }
            bar.stepTo(batch);
            bar.setExtraMessage(msg);
            return;
        }
        String msg = String.format(Locale.ROOT, "loss %.4f%s · %s %s/s · left %s", recentLoss, penaltyText(), rate(unitsPerSecond), unit,
                clock(remainingSeconds));
        long now = System.nanoTime();
        if (now - lastLine > 10_000_000_000L || batch == batchesPerEpoch) {
            lastLine = now;
            out.printf(Locale.ROOT, "epoch %d batch %d/%d · %s · elapsed %s%n", epoch + 1, batch, batchesPerEpoch, msg,
                    clock(elapsedSeconds));
            out.flush();
        }
    }

    @Override
    public void validated(Point p, List<Point> history) {
        closeBar();
        String acc = Double.isNaN(p.validationAccuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", p.validationAccuracy());
        String where = p.step() == 0 ? "before training: " : String.format(Locale.ROOT, "epoch %.2f (%s): training loss %.4f%s, ",
                p.epochs(), clock(p.seconds()), p.trainLoss(), penaltyText());
        penaltySum = 0;
        penaltyCount = 0;
        out.printf(Locale.ROOT, "%svalidation loss %.4f%s%s%n", where, p.validationLoss(), acc, p.best() ? " (best so far, saved)" : "");
        out.flush();
        if (png != null) {
            try {
                CurvePlot.write(png, title, history);
            } catch (IOException | RuntimeException e) {
                out.println("warning: the curve " + png + " could not be written: " + RnnCommand.oneLine(e));
            }
        }
    }

    @Override
    public void message(String text) {
        closeBar();
        out.println(text);
        out.flush();
    }

    void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
            barEpoch = -1;
        }
    }

    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "?";
        }
        return perSecond >= 1e4 ? String.format(Locale.ROOT, "%.1fk", perSecond / 1e3) : String.format(Locale.ROOT, "%.0f", perSecond);
    }

    static String clock(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
