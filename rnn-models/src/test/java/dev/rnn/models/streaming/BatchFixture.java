package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.TestMatrices;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random streaming models of every shape for the batch tests, with the parameters they were built from. */
final class BatchFixture {

    private BatchFixture() {
    }

    /**
     * A model's shape: per level a cell kind and hidden size; an embedding of {@code vocab} tokens when
     * vocab &gt; 0 (else {@code input} features); an output layer of {@code classes} when classes &gt; 0.
     */
    record Spec(List<CellKind> kinds, List<Integer> hidden, int input, int vocab, int classes, boolean bias,
                PackedMatrix.Format format, StepOutput output, boolean scalar, long seed) {

        Kernels kernels() {
            return scalar ? Kernels.scalar() : Kernels.preferred();
        }

        @Override
        public String toString() {
            return kinds + " H=" + hidden + " I=" + input + (vocab > 0 ? " tokens " + vocab : " features") + " head " + classes
                    + (bias ? " bias" : "") + " " + format + " " + output + (scalar ? " scalar" : " " + Kernels.preferred().name())
                    + " seed " + seed;
        }
    }

    /** A built model and what it was built from (every tensor in {@code arena}). */
    record Built(Spec spec, StreamingModel model, List<CellParameters> levels, Matrix embedding, Matrix headWeight, Matrix headBias)
            implements AutoCloseable {

        @Override
        public void close() {
            model.close();
        }
    }

    /** Sizes at SIMD edges (1, a few lanes, a tile's rows ± 1) and random ones. */
    static Arbitrary<Integer> size(int max) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.of(1, 2, 3, 7, 11, 12, 13, 16, 17, 31, 33).filter(s -> s <= max)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, max)));
    }

    static Arbitrary<Spec> specs() {
        Arbitrary<List<CellKind>> kinds = Arbitraries.of(CellKind.class).list().ofMinSize(1).ofMaxSize(2);
        return kinds.flatMap(k -> Combinators.combine(
                size(40).list().ofSize(k.size()),
                size(24),
                Arbitraries.of(0, 0, 1, 5, 29),          // vocabulary, 0: feature input
                Arbitraries.of(0, 1, 3, 17, 40),         // output classes, 0: no output layer
                Arbitraries.of(true, true, false),
                Arbitraries.of(PackedMatrix.Format.class),
                Arbitraries.of(StepOutput.class),
                Arbitraries.of(false, false, true)
        ).flatAs((hidden, input, vocab, classes, bias, format, output, scalar) ->
                Arbitraries.longs().map(seed -> new Spec(k, hidden, input, vocab, classes, bias, format,
                        classes == 0 ? StepOutput.HIDDEN : output, scalar, seed))));
    }

    /** Builds the model of {@code spec}, its tensors drawn from PyTorch's initialisation (head and table uniform). */
    static Built build(Arena arena, Spec spec) {
        Initializers init = new Initializers(spec.seed());
        List<CellParameters> levels = new ArrayList<>();
        int in = spec.input();
        for (int l = 0; l < spec.kinds().size(); l++) {
            CellParameters p = CellParameters.allocate(arena, spec.kinds().get(l), in, spec.hidden().get(l), spec.bias());
            init.pytorchDefault(p);
            levels.add(p);
            in = spec.hidden().get(l);
        }
        StreamingModel.Builder b = StreamingModel.builder(spec.kernels()).format(spec.format());
        levels.forEach(b::level);
        Random rnd = new Random(spec.seed() + 1);
        Matrix table = null, hw = null, hb = null;
        if (spec.vocab() > 0) {
            table = TestMatrices.random(arena, spec.vocab(), spec.input(), rnd, 1f);
            b.embedding(table);
        }
        if (spec.classes() > 0) {
            hw = TestMatrices.random(arena, spec.classes(), in, rnd, (float) (1 / Math.sqrt(in)));
            hb = spec.bias() ? TestMatrices.random(arena, 1, spec.classes(), rnd, 0.5f) : null;
            b.head(hw, hb);
        }
        return new Built(spec, b.build(), levels, table, hw, hb);
    }

    /** One stream's inputs: tokens (for a token model) or feature rows, {@code length} steps. */
    record Inputs(int[] tokens, float[][] features) {

        int length() {
            return tokens != null ? tokens.length : features.length;
        }
    }

    static Inputs inputs(StreamingModel m, int length, Random rnd) {
        if (m.takesTokens()) {
            int[] t = new int[length];
            for (int i = 0; i < length; i++) {
                t[i] = rnd.nextInt(m.inputSize());
            }
            return new Inputs(t, null);
        }
        float[][] f = new float[length][m.inputSize()];
        for (float[] row : f) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rnd.nextFloat() * 2 - 1;
            }
        }
        return new Inputs(null, f);
    }

    /** Steps one session by step t of its inputs on its own (StreamSession.step). */
    static void stepAlone(StreamSession s, Inputs in, int t, float[] out) {
        if (in.tokens() != null) {
            s.step(in.tokens()[t], out);
        } else {
            s.step(in.features()[t], out);
        }
    }
}
