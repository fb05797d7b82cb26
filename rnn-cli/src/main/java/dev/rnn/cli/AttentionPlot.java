package dev.rnn.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Draws attention weights as a heatmap PNG: source tokens across, output tokens down, darker = more attention. */
final class AttentionPlot {

    private static final int CELL = 28;

    private AttentionPlot() {
    }

    static void write(Path png, List<String> source, List<String> output, float[][] weights) throws IOException {
        int cols = source.size(), rows = Math.min(output.size(), weights.length);
        int left = 70, top = 70;
        int width = left + cols * CELL + 20, height = top + rows * CELL + 20;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 14));
        FontMetrics fm = g.getFontMetrics();
        g.setColor(Color.DARK_GRAY);
        g.drawString("source →", left, 20);
        g.drawString("output ↓", 4, top - 8);
        for (int j = 0; j < cols; j++) {
            String s = label(source.get(j));
            g.drawString(s, left + j * CELL + (CELL - fm.stringWidth(s)) / 2, top - 10);
        }
        for (int i = 0; i < rows; i++) {
            String s = label(output.get(i));
            g.setColor(Color.DARK_GRAY);
            g.drawString(s, left - 8 - fm.stringWidth(s), top + i * CELL + (CELL + fm.getAscent()) / 2 - 2);
            for (int j = 0; j < cols && j < weights[i].length; j++) {
                float w = Math.max(0, Math.min(1, weights[i][j]));
                // white → deep blue
                g.setColor(new Color(Math.round(255 - 230 * w), Math.round(255 - 200 * w), Math.round(255 - 90 * w)));
                g.fillRect(left + j * CELL, top + i * CELL, CELL, CELL);
            }
        }
        g.setColor(new Color(200, 200, 200));
        g.setStroke(new BasicStroke(1));
        g.drawRect(left, top, cols * CELL, rows * CELL);
        g.dispose();
        PngFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    private static String label(String token) {
        return switch (token) {
            case " " -> "␣";
            case "\t" -> "⇥";
            default -> token.length() > 6 ? token.substring(0, 6) : token;
        };
    }
}
