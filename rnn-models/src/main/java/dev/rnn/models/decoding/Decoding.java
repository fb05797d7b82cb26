package dev.rnn.models.decoding;

/**
 * How to pick output tokens: beam search of width {@code beam} (1 is greedy), or, with a temperature
 * above 0, sampling from the softmax at that temperature, restricted to the {@code topK} most likely
 * tokens (0: all), seeded by {@code seed}. Beam search and sampling do not combine.
 */
public record Decoding(int beam, double temperature, int topK, long seed) {

    public Decoding {
        if (beam < 1) {
            throw new IllegalArgumentException("beam width must be ≥ 1, found " + beam);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be ≥ 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be ≥ 0 (0: no limit), found " + topK);
        }
        if (beam > 1 && temperature > 0) {
            throw new IllegalArgumentException("choose beam search (beam " + beam + ") or sampling (temperature " + temperature
                    + "), not both");
        }
    }

    public static Decoding greedy() {
        return new Decoding(1, 0, 0, 0);
    }

    public static Decoding beam(int width) {
        return new Decoding(width, 0, 0, 0);
    }

    public static Decoding sampled(double temperature, int topK, long seed) {
        return new Decoding(1, temperature, topK, seed);
    }

    /** Whether tokens are drawn at random (temperature above 0 and more than one candidate). */
    public boolean sampling() {
        return temperature > 0 && topK != 1;
    }

    /** The sampler for {@link #sampling} decoding. */
    public Sampler sampler() {
        return new Sampler(temperature, topK, 1, seed);
    }
}
