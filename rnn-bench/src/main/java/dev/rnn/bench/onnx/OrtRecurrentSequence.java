package dev.rnn.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One ONNX Runtime session running a recurrent cell over whole sequences (T×B×I, zero initial
 * state), with ORT's best case for throughput: inputs wrap direct buffers and every output (the
 * sequence Y and the final states) is pinned into a direct buffer, so nothing is copied on the Java
 * side. One intra-op thread.
 */
public final class OrtRecurrentSequence implements AutoCloseable {

    private final OrtSession session;
    private final FloatBuffer x;
    private final FloatBuffer y;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();

    public OrtRecurrentSequence(CellParameters p, int steps, int batch) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        session = OrtSessions.singleThreaded(env, OnnxRecurrentModel.build(p, steps, batch, true));
        int h = p.hiddenSize();
        long[] state = {1, batch, h};
        x = OrtSessions.direct(steps * batch * p.inputSize());
        y = OrtSessions.direct(steps * batch * h);
        inputs.put("X", OnnxTensor.createTensor(env, x, new long[] {steps, batch, p.inputSize()}));
        inputs.put("initial_h", OnnxTensor.createTensor(env, OrtSessions.direct(batch * h), state));
        outputs.put("Y", OnnxTensor.createTensor(env, y, new long[] {steps, 1, batch, h}));
        outputs.put("Y_h", OnnxTensor.createTensor(env, OrtSessions.direct(batch * h), state));
        if (p.kind() == CellKind.LSTM) {
            inputs.put("initial_c", OnnxTensor.createTensor(env, OrtSessions.direct(batch * h), state));
            outputs.put("Y_c", OnnxTensor.createTensor(env, OrtSessions.direct(batch * h), state));
        }
    }


    /** The input buffer, T·B·I floats, time-major. */
    public FloatBuffer input() {
        return x;
    }

    /** Runs the whole sequence; the outputs land in {@link #output()}. */
    public void run() throws OrtException {
        session.run(inputs, outputs);
    }

    /** Y, T·B·H floats. */
    public FloatBuffer output() {
        return y;
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor t : inputs.values()) {
            t.close();
        }
        for (OnnxTensor t : outputs.values()) {
            t.close();
        }
        session.close();
    }
}
