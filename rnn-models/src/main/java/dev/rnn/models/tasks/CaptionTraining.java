package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

/**
 * Trains a {@link CaptionModel} with teacher forcing: each step reads the previous reference word
 * ({@code <s>} first) and is scored against the next ({@code </s>} last). Shuffled batches; validation
 * loss per word and exact-match accuracy (greedy). The data fingerprint hashes each example's
 * features, then its text.
 */
public final class CaptionTraining extends TaskTraining implements AutoCloseable {

    private final CaptionModel model;
    private final List<CaptionModel.Example> train, validation;
    private final int[][] trainIds, validationIds;
    private final Runner runner;

    public CaptionTraining(CaptionModel model, List<CaptionModel.Example> train, List<CaptionModel.Example> validation, int batch,
                           long seed) {
        super(model, model.parameters(), "examples", "examples", train.size(), validation.size(), batch, seed,
                DataFingerprint.of(train, validation, (f, e) -> f.floats(e.features()).text(e.text())));
        this.model = model;
        this.train = List.copyOf(train);
        this.validation = List.copyOf(validation);
        trainIds = encode(this.train);
        validationIds = encode(this.validation);
        int steps = 1;
        for (int[][] set : List.of(trainIds, validationIds)) {
            for (int[] ids : set) {
                steps = Math.max(steps, ids.length);
            }
        }
        runner = new Runner(steps);
    }

    private int[][] encode(List<CaptionModel.Example> examples) {
        int[][] ids = new int[examples.size()][];
        for (int i = 0; i < ids.length; i++) {
            model.checkFeatures(examples.get(i).features());
            ids[i] = model.encode(examples.get(i).text());
        }
        return ids;
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        int[] members = members(index);
        double loss = runner.run(train, trainIds, members, true, stepSeed(TrainingSeeds.DROPOUT, step), true);
        return new BatchLoss(loss, members.length);
    }

    @Override
    public Evaluation evaluate() {
        Tally t = validateInBatches(validation.size(), (from, to, tally) -> {
            int[] members = new int[to - from];
            for (int i = 0; i < members.length; i++) {
                members[i] = from + i;
            }
            tally.add(runner.run(validation, validationIds, members, false, 0, false), runner.counted(validationIds, members), 0);
        });
        return new Evaluation(t.meanLoss(), model.exactMatch(validation, dev.rnn.models.decoding.Decoding.greedy()));
    }

    /** The forward and backward runner (for gradient checks). */
    Runner runner() {
        return runner;
    }

    @Override
    public void close() {
        runner.close();
    }

    /** Teacher-forced forward and backward over B examples of up to T steps. */
    final class Runner implements AutoCloseable {
        private final int steps;
        private final Arena arena = Arena.ofShared();
        private final StackedLayers layers;
        private final SoftmaxCrossEntropy loss;
        private final Matrix features, projected, dProjected, h0, dh0, input, dInput, logits, dLogits, dOut;
        private final int[] tokens, targets, lengths;

        Runner(int steps) {
            this.steps = steps;
            CaptionModel.Config c = model.config;
            int rows = steps * batch, v = model.words.size();
            layers = new StackedLayers(model.kernels, model.stack.params(), MergeMode.CONCAT, c.dropout(), false, steps, batch, 0);
            loss = new SoftmaxCrossEntropy(model.kernels, rows);
            features = Matrix.allocate(arena, batch, c.features());
            projected = Matrix.allocate(arena, batch, c.layers() * c.hidden());
            dProjected = Matrix.allocate(arena, batch, c.layers() * c.hidden());
            h0 = Matrix.allocate(arena, c.layers() * batch, c.hidden());
            dh0 = Matrix.allocate(arena, c.layers() * batch, c.hidden());
            input = Matrix.allocate(arena, rows, c.stepInput());
            dInput = Matrix.allocate(arena, rows, c.stepInput());
            logits = Matrix.allocate(arena, rows, v);
            dLogits = Matrix.allocate(arena, rows, v);
            dOut = Matrix.allocate(arena, rows, c.hidden());
            tokens = new int[rows];
            targets = new int[rows];
            lengths = new int[batch];
        }

        int counted(int[][] ids, int[] members) {
            int n = 0;
            for (int i : members) {
                n += ids[i].length;
            }
            return n;
        }

        /** Mean loss per word (end token included) over the members; with {@code backward}, adds the gradients. */
        double run(List<CaptionModel.Example> examples, int[][] ids, int[] members, boolean training, long dropoutSeed, boolean backward) {
            CaptionModel.Config c = model.config;
            int t = 1;
            for (int i : members) {
                t = Math.max(t, ids[i].length);
            }
            int rows = t * batch;
            Arrays.fill(tokens, 0, rows, 0);
            Arrays.fill(targets, 0, rows, -1);
            for (int b = 0; b < batch; b++) {
                int[] seq = ids[members[Math.min(b, members.length - 1)]];
                boolean present = b < members.length;
                lengths[b] = present ? seq.length : 1;
                features.row(b).copyFrom(examples.get(members[Math.min(b, members.length - 1)]).features());
                for (int s = 0; s < (present ? seq.length : 1); s++) {
                    tokens[s * batch + b] = s == 0 ? CaptionModel.START : seq[s - 1];
                    if (present) {
                        targets[s * batch + b] = seq[s];
                    }
                }
            }
            model.initialStates(features, projected, h0);
            Matrix in = input.sliceRows(0, rows);
            model.embedding.forward(Arrays.copyOf(tokens, rows), in.sliceCols(0, c.embedding()));
            if (c.feedFeatures()) {
                Seq2SeqBridge.joinPerStep(in.sliceCols(0, c.embedding()), features, in, batch);
            }
            if (training) {
                layers.reseed(dropoutSeed);
            }
            Matrix out = layers.forward(in, h0, null, lengths.clone(), training);
            Matrix lg = logits.sliceRows(0, rows);
            model.head.forward(out, lg);
            int[] tg = Arrays.copyOf(targets, rows);
            if (!backward) {
                return loss.loss(lg, tg);
            }
            Matrix dLg = dLogits.sliceRows(0, rows), dO = dOut.sliceRows(0, rows), dIn = dInput.sliceRows(0, rows);
            double mean = loss.lossAndGradient(lg, tg, dLg);
            model.head.backward(out, dLg, dO);
            layers.backward(dO, model.stack.grads(), dIn);
            model.embedding.backward(Arrays.copyOf(tokens, rows), dIn.sliceCols(0, c.embedding()));
            layers.initialStateGradients(dh0, null);
            model.initialStatesBackward(features, projected, dh0, dProjected);
            return mean;
        }

        @Override
        public void close() {
            layers.close();
            arena.close();
        }
    }
}
