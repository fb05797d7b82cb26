package dev.rnn.bench.onnx;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds an ONNX model holding one ONNX {@code RNN}, {@code LSTM} or {@code GRU} node with the weights
 * of a {@link CellParameters} (PyTorch layout), so that ONNX Runtime runs exactly the cell this library
 * runs. ONNX orders the gate blocks differently (LSTM i, o, f, c; GRU z, r, h), so blocks are
 * reordered, and GRU uses {@code linear_before_reset = 1}, PyTorch's formulation.
 *
 * <p>Graph inputs: {@code X} [T, B, I], {@code initial_h} [1, B, H] and, for LSTM, {@code initial_c};
 * outputs {@code Y_h} and, for LSTM, {@code Y_c} ([1, B, H]); with {@code withSequenceOutput} also
 * {@code Y} [T, 1, B, H].
 */
public final class OnnxRecurrentModel {

    private static final int FLOAT = 1;      // TensorProto.DataType.FLOAT
    private static final int INT64 = 7;      // TensorProto.DataType.INT64
    private static final int ATTR_INT = 2;   // AttributeProto.AttributeType.INT

    private OnnxRecurrentModel() {
    }

    /** ONNX's block order as indices of PyTorch's blocks. */
    private static int[] blockOrder(CellKind kind) {
        return switch (kind) {
            case LSTM -> new int[] {0, 3, 1, 2};   // i, o, f, c ← PyTorch i, f, g, o
            case GRU -> new int[] {1, 0, 2};       // z, r, h ← PyTorch r, z, n
            default -> new int[] {0};
        };
    }

    public static byte[] build(CellParameters p, int steps, int batch, boolean withSequenceOutput) {
        CellKind kind = p.kind();
        int h = p.hiddenSize(), in = p.inputSize(), g = kind.gates();
        int[] order = blockOrder(kind);
        String op = switch (kind) {
            case LSTM -> "LSTM";
            case GRU -> "GRU";
            default -> "RNN";
        };
        ProtoWriter node = new ProtoWriter();
        for (String input : kind == CellKind.LSTM ? new String[] {"X", "W", "R", "B", "", "initial_h", "initial_c"}
                : new String[] {"X", "W", "R", "B", "", "initial_h"}) {
            node.string(1, input);
        }
        node.string(2, withSequenceOutput ? "Y" : "");
        node.string(2, "Y_h");
        if (kind == CellKind.LSTM) {
            node.string(2, "Y_c");
        }
        node.string(3, "cell").string(4, op);
        node.message(5, new ProtoWriter().string(1, "hidden_size").varint(20, ATTR_INT).varint(3, h));
        if (kind == CellKind.GRU) {
            node.message(5, new ProtoWriter().string(1, "linear_before_reset").varint(20, ATTR_INT).varint(3, 1));
        }
        if (kind == CellKind.RNN_RELU) {
            node.message(5, new ProtoWriter().string(1, "activations").varint(20, 8).bytes(9, "Relu".getBytes()));
        }

        ProtoWriter graph = new ProtoWriter().message(1, node).string(2, "recurrent");
        graph.message(5, tensor("W", new long[] {1, (long) g * h, in}, reorder(p.weightIh(), order, h)));
        graph.message(5, tensor("R", new long[] {1, (long) g * h, h}, reorder(p.weightHh(), order, h)));
        float[] bias = new float[2 * g * h];
        if (p.hasBias()) {
            System.arraycopy(reorder(p.biasIh().reshape(g * h, 1), order, h), 0, bias, 0, g * h);
            System.arraycopy(reorder(p.biasHh().reshape(g * h, 1), order, h), 0, bias, g * h, g * h);
        }
        graph.message(5, tensor("B", new long[] {1, 2L * g * h}, bias));
        graph.message(11, valueInfo("X", steps, batch, in));
        graph.message(11, valueInfo("initial_h", 1, batch, h));
        if (kind == CellKind.LSTM) {
            graph.message(11, valueInfo("initial_c", 1, batch, h));
        }
        if (withSequenceOutput) {
            graph.message(12, valueInfo("Y", steps, 1, batch, h));
        }
        graph.message(12, valueInfo("Y_h", 1, batch, h));
        if (kind == CellKind.LSTM) {
            graph.message(12, valueInfo("Y_c", 1, batch, h));
        }
        return modelBytes(graph);
    }

    /**
     * A token language model, one step for {@code batch} streams: Gather of the embedding (V×I) by
     * {@code tokens} (int64 [1, B]), then one ONNX LSTM node per level (sequence length 1; level l reads
     * level l−1's Y_h, [1, B, H]), then logits = MatMul(h, headᵀ) + bias, [1, B, V]. Inputs
     * {@code tokens}, {@code h<l>_in}, {@code c<l>_in}; outputs {@code logits}, {@code h<l>_out},
     * {@code c<l>_out}, states [1, B, H].
     */
    public static byte[] buildLanguageModel(Matrix embedding, List<CellParameters> levels, Matrix headWeight,
                                            Matrix headBias, int batch) {
        int[] order = blockOrder(CellKind.LSTM);
        int vocabulary = embedding.rows(), input = embedding.cols(), top = levels.get(levels.size() - 1).hiddenSize();
        ProtoWriter graph = new ProtoWriter();
        graph.message(1, node("Gather", "embed", new String[] {"embedding", "tokens"}, new String[] {"x0"}));
        String x = "x0";
        for (int l = 0; l < levels.size(); l++) {
            CellParameters p = levels.get(l);
            if (p.kind() != CellKind.LSTM) {
                throw new IllegalArgumentException("the language model graph has LSTM levels only, level " + l + " is " + p.kind());
            }
            int h = p.hiddenSize(), g = 4;
            ProtoWriter lstm = node("LSTM", "lstm" + l,
                    new String[] {x, "W" + l, "R" + l, "B" + l, "", "h" + l + "_in", "c" + l + "_in"},
                    new String[] {"", "h" + l + "_out", "c" + l + "_out"});
            lstm.message(5, new ProtoWriter().string(1, "hidden_size").varint(20, ATTR_INT).varint(3, h));
            graph.message(1, lstm);
            graph.message(5, tensor("W" + l, new long[] {1, (long) g * h, p.inputSize()}, reorder(p.weightIh(), order, h)));
            graph.message(5, tensor("R" + l, new long[] {1, (long) g * h, h}, reorder(p.weightHh(), order, h)));
            float[] bias = new float[2 * g * h];
            if (p.hasBias()) {
                System.arraycopy(reorder(p.biasIh().reshape(g * h, 1), order, h), 0, bias, 0, g * h);
                System.arraycopy(reorder(p.biasHh().reshape(g * h, 1), order, h), 0, bias, g * h, g * h);
            }
            graph.message(5, tensor("B" + l, new long[] {1, 2L * g * h}, bias));
            x = "h" + l + "_out";
        }
        graph.message(1, node("MatMul", "head", new String[] {x, "head_t"}, new String[] {"z"}));
        graph.message(1, node("Add", "head_bias", new String[] {"z", "head_b"}, new String[] {"logits"}));
        graph.string(2, "language_model");
        float[] table = new float[vocabulary * input];
        for (int v = 0; v < vocabulary; v++) {
            for (int i = 0; i < input; i++) {
                table[v * input + i] = embedding.get(v, i);
            }
        }
        graph.message(5, tensor("embedding", new long[] {vocabulary, input}, table));
        float[] headT = new float[top * vocabulary], bias = new float[vocabulary];
        for (int v = 0; v < vocabulary; v++) {
            for (int j = 0; j < top; j++) {
                headT[j * vocabulary + v] = headWeight.get(v, j);
            }
            bias[v] = headBias == null ? 0 : headBias.get(0, v);
        }
        graph.message(5, tensor("head_t", new long[] {top, vocabulary}, headT));
        graph.message(5, tensor("head_b", new long[] {vocabulary}, bias));
        graph.message(11, typedValueInfo("tokens", INT64, 1, batch));
        for (int l = 0; l < levels.size(); l++) {
            int h = levels.get(l).hiddenSize();
            graph.message(11, valueInfo("h" + l + "_in", 1, batch, h));
            graph.message(11, valueInfo("c" + l + "_in", 1, batch, h));
        }
        graph.message(12, valueInfo("logits", 1, batch, vocabulary));
        for (int l = 0; l < levels.size(); l++) {
            int h = levels.get(l).hiddenSize();
            graph.message(12, valueInfo("h" + l + "_out", 1, batch, h));
            graph.message(12, valueInfo("c" + l + "_out", 1, batch, h));
        }
        return modelBytes(graph);
    }

    /** A ModelProto around {@code graph}: IR version 8, opset ai.onnx 17. */
    private static byte[] modelBytes(ProtoWriter graph) {
        return new ProtoWriter()
                .varint(1, 8)                                                  // ir_version
                .string(2, "rnn-bench")                                        // producer_name
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 17))     // opset_import: ai.onnx 17
                .toByteArray();
    }

    private static ProtoWriter node(String op, String name, String[] inputs, String[] outputs) {
        ProtoWriter node = new ProtoWriter();
        for (String in : inputs) {
            node.string(1, in);
        }
        for (String out : outputs) {
            node.string(2, out);
        }
        return node.string(3, name).string(4, op);
    }

    /** The rows of w (G·H×cols) with its H-row blocks in {@code order}, row-major. */
    private static float[] reorder(Matrix w, int[] order, int h) {
        int cols = w.cols();
        float[] out = new float[order.length * h * cols];
        for (int b = 0; b < order.length; b++) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < cols; c++) {
                    out[(b * h + r) * cols + c] = w.get(order[b] * h + r, c);
                }
            }
        }
        return out;
    }

    private static ProtoWriter tensor(String name, long[] dims, float[] values) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.varint(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    private static ProtoWriter valueInfo(String name, long... dims) {
        return typedValueInfo(name, FLOAT, dims);
    }

    private static ProtoWriter typedValueInfo(String name, int elementType, long... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) {
            shape.message(1, new ProtoWriter().varint(1, d));
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elementType).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
