package dev.rnn.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * One ONNX Runtime session of one recurrent level at a fixed batch B (sequence length 1, one intra-op
 * thread), shared by any number of {@link State}s: X is B×I, h (and c) go in and out as [1, B, H].
 * {@code OrtSession.run} is thread-safe, so many threads may step their own states at once; the
 * weights are held once, whatever the number of states.
 */
public final class OrtSharedStep implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final boolean lstm;
    private final int batch, input, hidden;

    public OrtSharedStep(CellParameters p, int batch) throws OrtException {
        this.session = OrtSessions.singleThreaded(env, OnnxRecurrentModel.build(p, 1, batch, false));
        this.lstm = p.kind() == CellKind.LSTM;
        this.batch = batch;
        this.input = p.inputSize();
        this.hidden = p.hiddenSize();
    }

    OrtSession session() {
        return session;
    }

    /** A new state (zeros) with its own pinned buffers; used by one thread at a time. */
    public State newState() throws OrtException {
        return new State();
    }

    /**
     * One caller's buffers, pinned (ORT's best case): inputs wrap direct buffers, outputs are pinned
     * into the other buffer set, and the two sets alternate, so a step allocates nothing on
     * the Java side and copies no state.
     */
    public final class State implements AutoCloseable {
        private final FloatBuffer x = OrtSessions.direct(batch * input);
        private final FloatBuffer[] h = new FloatBuffer[2];
        private final OnnxTensor[] tensors;
        private final Map<String, OnnxTensor>[] inputs;
        private final Map<String, OnnxTensor>[] outputs;
        private int current;

        @SuppressWarnings("unchecked")
        private State() throws OrtException {
            long[] stateShape = {1, batch, hidden};
            OnnxTensor xt = OnnxTensor.createTensor(env, x, new long[] {1, batch, input});
            OnnxTensor[] ht = new OnnxTensor[2], ct = new OnnxTensor[2];
            for (int i = 0; i < 2; i++) {
                h[i] = OrtSessions.direct(batch * hidden);
                ht[i] = OnnxTensor.createTensor(env, h[i], stateShape);
                if (lstm) {
                    ct[i] = OnnxTensor.createTensor(env, OrtSessions.direct(batch * hidden), stateShape);
                }
            }
            tensors = lstm ? new OnnxTensor[] {xt, ht[0], ht[1], ct[0], ct[1]} : new OnnxTensor[] {xt, ht[0], ht[1]};
            inputs = new Map[2];
            outputs = new Map[2];
            for (int i = 0; i < 2; i++) {
                int o = 1 - i;
                inputs[i] = lstm ? Map.of("X", xt, "initial_h", ht[i], "initial_c", ct[i]) : Map.of("X", xt, "initial_h", ht[i]);
                outputs[i] = lstm ? Map.of("Y_h", ht[o], "Y_c", ct[o]) : Map.of("Y_h", ht[o]);
            }
        }

        /** Feeds {@code x} (B×I, row-major) and writes the new h (B×H) into {@code hOut}. */
        public void step(float[] xIn, float[] hOut) throws OrtException {
            x.put(0, xIn);
            // the Result only refers to the pinned outputs, which stay open for the next step
            session.run(inputs[current], outputs[current]);
            current = 1 - current;
            h[current].get(0, hOut);
        }

        @Override
        public void close() {
            for (OnnxTensor t : tensors) {
                t.close();
            }
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
