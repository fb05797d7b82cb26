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
    private final OrtSharedStep shared;      // the session at batch 1, and the pinned buffers of its one state
    private final OrtSharedStep.State state;  // null unless pinned
    private final OrtSession session;
    private final boolean lstm;
    private final long[] inputShape;
    private final long[] stateShape;
    private final float[] hState;
    private final float[] cState;

    public OrtRecurrentStep(CellParameters p, boolean pinned) throws OrtException {
        this.env = OrtEnvironment.getEnvironment();
        shared = new OrtSharedStep(p, 1);
        session = shared.session();
        state = pinned ? shared.newState() : null;
        lstm = p.kind() == CellKind.LSTM;
        int hidden = p.hiddenSize();
        stateShape = new long[] {1, 1, hidden};
        inputShape = new long[] {1, 1, p.inputSize()};
        hState = new float[hidden];
        cState = new float[hidden];
    }

    /** Feeds {@code input} and writes the new h into {@code hidden}. */
    public void step(float[] input, float[] hidden) throws OrtException {
        if (state != null) {
            state.step(input, hidden);
        } else {
            typicalStep(input, hidden);
        }
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
        if (state != null) {
            state.close();
        }
        shared.close();
    }
}
