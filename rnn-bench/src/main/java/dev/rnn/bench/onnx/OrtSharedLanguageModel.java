package dev.rnn.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session of a token language model ({@link OnnxRecurrentModel#buildLanguageModel}:
 * embedding, LSTM levels, logits head) at a fixed batch B, sequence length 1, one intra-op thread,
 * shared by any number of {@link State}s as {@link OrtSharedStep} is: tokens [1, B] in, logits
 * [1, B, V] out, every level's h and c [1, B, H] in and out.
 */
public final class OrtSharedLanguageModel implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int batch, vocabulary;
    private final int[] hidden;

    public OrtSharedLanguageModel(Matrix embedding, List<CellParameters> levels, Matrix headWeight, Matrix headBias,
                                  int batch) throws OrtException {
        this.session = OrtSessions.singleThreaded(env,
                OnnxRecurrentModel.buildLanguageModel(embedding, levels, headWeight, headBias, batch));
        this.batch = batch;
        this.vocabulary = embedding.rows();
        this.hidden = levels.stream().mapToInt(CellParameters::hiddenSize).toArray();
    }

    /** A new state (zeros) with its own pinned buffers; used by one thread at a time. */
    public State newState() throws OrtException {
        return new State();
    }

    /** One caller's pinned buffers; the two state sets alternate between input and output. */
    public final class State implements AutoCloseable {
        private final LongBuffer tokens = ByteBuffer.allocateDirect(batch * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        private final FloatBuffer logits = OrtSessions.direct(batch * vocabulary);
        private final java.util.ArrayList<OnnxTensor> tensors = new java.util.ArrayList<>();
        private final Map<String, OnnxTensor>[] inputs;
        private final Map<String, OnnxTensor>[] outputs;
        private int current;

        @SuppressWarnings("unchecked")
        private State() throws OrtException {
            OnnxTensor tt = track(OnnxTensor.createTensor(env, tokens, new long[] {1, batch}));
            OnnxTensor lt = track(OnnxTensor.createTensor(env, logits, new long[] {1, batch, vocabulary}));
            inputs = new Map[2];
            outputs = new Map[2];
            for (int i = 0; i < 2; i++) {
                inputs[i] = new HashMap<>();
                inputs[i].put("tokens", tt);
                outputs[i] = new HashMap<>();
                outputs[i].put("logits", lt);
            }
            for (int l = 0; l < hidden.length; l++) {
                long[] shape = {1, batch, hidden[l]};
                OnnxTensor[] h = new OnnxTensor[2], c = new OnnxTensor[2];
                for (int i = 0; i < 2; i++) {
                    h[i] = track(OnnxTensor.createTensor(env, OrtSessions.direct(batch * hidden[l]), shape));
                    c[i] = track(OnnxTensor.createTensor(env, OrtSessions.direct(batch * hidden[l]), shape));
                }
                for (int i = 0; i < 2; i++) {
                    inputs[i].put("h" + l + "_in", h[i]);
                    inputs[i].put("c" + l + "_in", c[i]);
                    outputs[i].put("h" + l + "_out", h[1 - i]);
                    outputs[i].put("c" + l + "_out", c[1 - i]);
                }
            }
        }

        private OnnxTensor track(OnnxTensor t) {
            tensors.add(t);
            return t;
        }

        /** Feeds one token per stream ({@code in}, B of them) and writes the logits (B×V) into {@code out}. */
        public void step(int[] in, float[] out) throws OrtException {
            for (int b = 0; b < batch; b++) {
                tokens.put(b, in[b]);
            }
            // the Result only refers to the pinned outputs, which stay open for the next step
            session.run(inputs[current], outputs[current]);
            current = 1 - current;
            logits.get(0, out);
        }

        @Override
        public void close() {
            tensors.forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
