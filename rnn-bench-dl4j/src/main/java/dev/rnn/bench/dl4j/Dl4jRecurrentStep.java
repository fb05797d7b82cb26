package dev.rnn.bench.dl4j;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A Deeplearning4j network of one {@code LSTM} or {@code SimpleRnn} layer holding the weights of a
 * {@link CellParameters}, stepped with {@code rnnTimeStep} the way DL4J's users stream: an input
 * array per call, the hidden state returned as a new array. DL4J keeps the recurrent state inside
 * the network (one network per stream; not thread-safe).
 *
 * <p>Layouts: DL4J stores W as I×4H and RW as H×4H (transposed against PyTorch), with the gate blocks
 * in the order g, f, o, i (found by matching outputs, see the test), and one bias (b_ih + b_hh).
 */
public final class Dl4jRecurrentStep {

    /** DL4J's LSTM block q holds PyTorch's block LSTM_ORDER[q] (PyTorch: i, f, g, o). */
    static final int[] LSTM_ORDER = {2, 1, 3, 0};

    private final MultiLayerNetwork net;
    private final int input;

    public Dl4jRecurrentStep(CellParameters p) {
        if (p.kind() != CellKind.LSTM && p.kind() != CellKind.RNN_TANH) {
            throw new IllegalArgumentException("DL4J has LSTM and SimpleRnn (tanh) layers, not " + p.kind());
        }
        int in = p.inputSize(), h = p.hiddenSize();
        this.input = in;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(p.kind() == CellKind.LSTM
                        ? new LSTM.Builder().nIn(in).nOut(h).activation(Activation.TANH).gateActivationFunction(Activation.SIGMOID).build()
                        : new SimpleRnn.Builder().nIn(in).nOut(h).activation(Activation.TANH).build())
                .build();
        net = new MultiLayerNetwork(conf);
        net.init();
        int[] order = p.kind() == CellKind.LSTM ? LSTM_ORDER : new int[] {0};
        int g = order.length * h;
        INDArray w = Nd4j.zeros(DataType.FLOAT, in, g), rw = Nd4j.zeros(DataType.FLOAT, h, g), b = Nd4j.zeros(DataType.FLOAT, g);
        for (int q = 0; q < order.length; q++) {
            for (int k = 0; k < h; k++) {
                int src = order[q] * h + k, dst = q * h + k;
                for (int j = 0; j < in; j++) {
                    w.putScalar(j, dst, p.weightIh().get(src, j));
                }
                for (int j = 0; j < h; j++) {
                    rw.putScalar(j, dst, p.weightHh().get(src, j));
                }
                if (p.hasBias()) {
                    b.putScalar(dst, p.biasIh().get(0, src) + p.biasHh().get(0, src));
                }
            }
        }
        net.getLayer(0).setParam("W", w);
        net.getLayer(0).setParam("RW", rw);
        net.getLayer(0).setParam("b", b);
    }

    /** Feeds {@code x} (I values) and writes the new h into {@code hidden}. */
    public void step(float[] x, float[] hidden) {
        INDArray out = net.rnnTimeStep(Nd4j.create(x, new long[] {1, input}));
        float[] h = out.reshape(out.length()).toFloatVector();   // SimpleRnn answers 1×H×1, LSTM 1×H
        System.arraycopy(h, 0, hidden, 0, hidden.length);
    }

    /** Back to the zero state. */
    public void reset() {
        net.rnnClearPreviousState();
    }
}
