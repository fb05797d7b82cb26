package dev.rnn.cli;

import dev.rnn.models.decoding.Decoding;
import picocli.CommandLine.Option;

/** How generating commands pick tokens: greedy, beam search, or sampling with temperature and top-k. */
final class DecodingOptions {

    @Option(names = "--beam", defaultValue = "1", paramLabel = "K", description = "beam width; 1 is greedy (default: ${DEFAULT-VALUE})")
    int beam;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "sample at this temperature instead of taking the most likely token; 0 is greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "sample among the K most likely tokens only; 0: all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--sample-seed", defaultValue = "1", paramLabel = "S", description = "seed of the sampling (default: ${DEFAULT-VALUE})")
    long seed;

    Decoding decoding() {
        return new Decoding(beam, temperature, topK, seed);
    }
}
