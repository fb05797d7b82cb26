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
 * One ONNX Runtime session stepping a recurrent cell at batch 1. ORT is stateless, so h (and c) go
 * in as inputs and come back as outputs every step. Two ways to drive it, one intra-op thread each:
 * <ul>
 *   <li>typical ({@code pinned = false}): what ORT's Java documentation shows and most users write:
 *       input tensors created from the arrays for each call, outputs read back with
 *       {@code getFloatBuffer()}, the result closed;</li>
 *   <li>pinned: ORT's best case, nothing allocated per step on the Java side: inputs wrap direct
 *       buffers, outputs are pinned into direct buffers, and two buffer sets alternate so that one
 *       step's output is the next step's input without a copy.</li>
 * </ul>
 */
public final class OrtRecurrentStep implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final boolean lstm;
    private final boolean pinned;
    private final long[] inputShape;
    private final long[] stateShape;
    private final float[] hState;
    private final float[] cState;
    private final FloatBuffer x;
    private final FloatBuffer[] h = new FloatBuffer[2];
    private final OnnxTensor[] tensors;
    private final Map<String, OnnxTensor>[] inputs;
    private final Map<String, OnnxTensor>[] outputs;
    private int current;

    @SuppressWarnings("unchecked")
    public OrtRecurrentStep(CellParameters p, boolean pinned) throws OrtException {
        this.pinned = pinned;
        this.env = OrtEnvironment.getEnvironment();
        session = OrtSessions.singleThreaded(env, OnnxRecurrentModel.build(p, 1, 1, false));
        lstm = p.kind() == CellKind.LSTM;
        int hidden = p.hiddenSize();
        stateShape = new long[] {1, 1, hidden};
        inputShape = new long[] {1, 1, p.inputSize()};
        hState = new float[hidden];
        cState = new float[hidden];
        x = OrtSessions.direct(p.inputSize());
        OnnxTensor xt = OnnxTensor.createTensor(env, x, inputShape);
        FloatBuffer[] c = new FloatBuffer[2];
        OnnxTensor[] ht = new OnnxTensor[2], ct = new OnnxTensor[2];
        for (int i = 0; i < 2; i++) {
            h[i] = OrtSessions.direct(hidden);
            ht[i] = OnnxTensor.createTensor(env, h[i], stateShape);
            if (lstm) {
                c[i] = OrtSessions.direct(hidden);
                ct[i] = OnnxTensor.createTensor(env, c[i], stateShape);
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


    /** Feeds {@code input} and writes the new h into {@code hidden}. */
    public void step(float[] input, float[] hidden) throws OrtException {
        if (!pinned) {
            typicalStep(input, hidden);
            return;
        }
        x.put(0, input);
        // the Result only refers to the pinned outputs, which stay open for the next step
        session.run(inputs[current], outputs[current]);
        current = 1 - current;
        h[current].get(0, hidden);
    }

    private void typicalStep(float[] input, float[] hidden) throws OrtException {
        try (OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), inputShape);
             OnnxTensor ht = OnnxTensor.createTensor(env, FloatBuffer.wrap(hState), stateShape);
             OnnxTensor ct = lstm ? OnnxTensor.createTensor(env, FloatBuffer.wrap(cState), stateShape) : null;
             OrtSession.Result r = session.run(lstm ? Map.of("X", xt, "initial_h", ht, "initial_c", ct)
                     : Map.of("X", xt, "initial_h", ht))) {
            ((OnnxTensor) r.get("Y_h").orElseThrow()).getFloatBuffer().get(hState);
            if (lstm) {
                ((OnnxTensor) r.get("Y_c").orElseThrow()).getFloatBuffer().get(cState);
            }
        }
        System.arraycopy(hState, 0, hidden, 0, hidden.length);
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor t : tensors) {
            t.close();
        }
        session.close();
    }
}
