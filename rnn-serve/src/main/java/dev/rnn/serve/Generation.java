package dev.rnn.serve;

import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.streaming.TextStream;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sampled text from a language-model stream, shared by {@code complete} (sampled continuations) and
 * {@code generate} (server-sent events): the request's sampling fields, and the loop that draws one
 * character at a time, appending each to the stream and reporting it with the probability the model
 * gave it (at temperature 1, before top-k and top-p).
 */
final class Generation {

    /** The request fields that ask for sampling. */
    static final String[] FIELDS = {"temperature", "topK", "topP", "seed"};

    /** Temperatures above this flatten the distribution to noise; refusing them keeps answers meaningful. */
    static final double MAX_TEMPERATURE = 10;

    /** Sampling settings: temperature in [0, 10] (0 greedy), top-k in [0, V] (0 all), top-p in (0, 1], and the seed used. */
    record Options(double temperature, int topK, double topP, long seed) {

        /** The sampling fields of {@code json} (each optional: temperature 1, every character, p 1, a random seed). */
        static Options of(JsonRequest json, int vocabularySize) {
            double temperature = json.number("temperature", 1, 0, MAX_TEMPERATURE);
            int topK = json.integer("topK", 0, 0, vocabularySize);
            double topP = json.number("topP", 1, 0, 1);
            if (topP == 0) {
                throw ApiException.badRequest("field 'topP' must be in (0, 1], found 0");
            }
            long seed = json.longInteger("seed", ThreadLocalRandom.current().nextLong());
            return new Options(temperature, topK, topP, seed);
        }

        Sampler sampler() {
            return new Sampler(temperature, topK, topP, seed);
        }
    }

    /** Told of each character as it is drawn. */
    interface Each {
        void character(int codePoint, float probability);
    }

    private Generation() {
    }

    /**
     * Draws {@code length} characters from {@code stream} with {@code sampler}, appending each, and
     * tells {@code each} of it; returns the total natural log-probability of the characters under the
     * model. {@code probabilities} is V floats of scratch. An exception from {@code each} stops the
     * loop, the stream keeping what was drawn until then.
     */
    static double run(TextStream stream, Sampler sampler, int length, float[] probabilities, Each each) {
        double logProbability = 0;
        for (int i = 0; i < length; i++) {
            stream.nextProbabilities(probabilities);
            int codePoint = stream.appendNext(sampler);
            float p = probabilities[stream.model().id(codePoint)];
            logProbability += Math.log(p);
            each.character(codePoint, p);
        }
        return logProbability;
    }
}
