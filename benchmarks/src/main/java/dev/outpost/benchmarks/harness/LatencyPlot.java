package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.PAIRS;
import static dev.outpost.benchmarks.harness.ResultsReport.f;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** {@code latency.png}: the Get latency of each pair of sections 1 and 2, as bars. */
final class LatencyPlot {

    private LatencyPlot() {
    }

    /** Two panels (1 caller, 16 callers), per pair bars for p50, mean and p99 in µs. */
    static void write(ResultsReport report, Path file) throws IOException {
        int width = 1400;
        int height = 640;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("Get round trip latency per pair (µs, median over rounds) — Outpost vs go-plugin", 20, 30);
        String[] keys = {"p50_us", "mean_us", "p99_us"};
        Color[] colors = {new Color(0x4C72B0), new Color(0x55A868), new Color(0xC44E52)};
        int[] callers = {1, 16};
        int panelWidth = (width - 60) / 2;
        for (int p = 0; p < callers.length; p++) {
            int x0 = 30 + p * (panelWidth + 20);
            int top = 80;
            int bottom = height - 150;
            double max = 0;
            for (String id : PAIRS.keySet()) {
                for (String k : keys) {
                    double v = report.get(id, callers[p], k);
                    if (!Double.isNaN(v)) {
                        max = Math.max(max, v);
                    }
                }
            }
            max = max <= 0 ? 1 : niceCeiling(max);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.setColor(Color.BLACK);
            g.drawString(callers[p] + (callers[p] == 1 ? " caller" : " concurrent callers"), x0 + 50, top - 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            int axisX = x0 + 50;
            for (int t = 0; t <= 5; t++) {
                int y = bottom - (int) ((bottom - top) * t / 5.0);
                g.setColor(new Color(0xDDDDDD));
                g.drawLine(axisX, y, x0 + panelWidth, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(f(max * t / 5, 0), x0, y + 4);
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.2f));
            g.drawLine(axisX, top, axisX, bottom);
            g.drawLine(axisX, bottom, x0 + panelWidth, bottom);
            int groups = PAIRS.size();
            int groupWidth = (x0 + panelWidth - axisX) / groups;
            int barWidth = (groupWidth - 20) / keys.length;
            int gi = 0;
            for (var pair : PAIRS.entrySet()) {
                int gx = axisX + gi * groupWidth + 10;
                for (int k = 0; k < keys.length; k++) {
                    double v = report.get(pair.getKey(), callers[p], keys[k]);
                    if (Double.isNaN(v)) {
                        continue;
                    }
                    int h = (int) ((bottom - top) * v / max);
                    g.setColor(colors[k]);
                    g.fillRect(gx + k * barWidth, bottom - h, barWidth - 2, h);
                    g.setColor(Color.BLACK);
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                    g.drawString(f(v, 0), gx + k * barWidth, bottom - h - 3);
                }
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                drawWrapped(g, pair.getValue(), gx, bottom + 16, groupWidth - 8);
                gi++;
            }
        }
        int lx = 40;
        for (int k = 0; k < keys.length; k++) {
            g.setColor(colors[k]);
            g.fillRect(lx, height - 40, 14, 14);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString(keys[k].replace("_us", ""), lx + 20, height - 28);
            lx += 100;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static void drawWrapped(Graphics2D g, String text, int x, int y, int width) {
        StringBuilder line = new StringBuilder();
        int dy = 0;
        for (String word : Arrays.asList(text.split(" "))) {
            String next = line.length() == 0 ? word : line + " " + word;
            if (g.getFontMetrics().stringWidth(next) > width && line.length() > 0) {
                g.drawString(line.toString(), x, y + dy);
                dy += 14;
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(next);
            }
        }
        g.drawString(line.toString(), x, y + dy);
    }
}
