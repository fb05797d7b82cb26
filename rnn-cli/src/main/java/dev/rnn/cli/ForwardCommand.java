package dev.rnn.cli;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.Dtype;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.io.TensorInfo;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.RecurrentModule;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn forward}: runs the PyTorch nn.RNN/LSTM/GRU whose state_dict is in MODEL (named
 * P.weight_ih_l0, … with {@code --prefix P}) over the batch in INPUT and writes what the module
 * returns. Every problem with either file is one line naming the file; the output is written
 * atomically, so a failure leaves no file behind.
 */
@Command(name = "forward",
        description = {"Run a PyTorch nn.RNN, nn.LSTM or nn.GRU (its state_dict as safetensors) over a batch.",
                "INPUT holds 'input' (T×B×I, time-major), optionally 'h0' (L·D×B×H), 'c0' (LSTM) and 'lengths' (B"
                        + " values in 1..T, as pack_padded_sequence). OUTPUT receives 'output' (T×B×D·H, zero past each"
                        + " length), 'h_n' and, for LSTM, 'c_n'.",
                "A state_dict saved from a larger module names the tensors under its path, e.g."
                        + " encoder.lstm.weight_ih_l0: pass --prefix encoder.lstm (without it, the error lists the"
                        + " prefixes MODEL holds)."},
        mixinStandardHelpOptions = true)
final class ForwardCommand implements Callable<Integer> {

    private static final Set<String> INPUT_NAMES = Set.of("input", "h0", "c0", "lengths");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "safetensors state_dict of the module")
    Path model;

    @Option(names = "--prefix", paramLabel = "P",
            description = "read the module whose tensors are P.weight_ih_l0, ... (e.g. encoder.lstm); other tensors in MODEL"
                    + " are ignored. Default: the plain names weight_ih_l0, ...")
    String prefix = "";   // initialised here, not by picocli, so a command built directly (the fuzz test) reads plain names

    @Option(names = "--input", required = true, paramLabel = "INPUT", description = "safetensors file with the inputs")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "OUTPUT", description = "safetensors file to write")
    Path output;

    @Override
    public Integer call() throws Exception {
        try (SafetensorsFile weightsFile = SafetensorsFile.open(model);
             SafetensorsFile in = SafetensorsFile.open(input)) {
            TorchRecurrentWeights w = TorchRecurrentWeights.read(weightsFile, prefix);
            for (String name : in.names()) {
                if (!INPUT_NAMES.contains(name)) {
                    throw new SafetensorsException(input, "unexpected tensor '" + name + "' (expected input, h0, c0, lengths)");
                }
            }
            TensorInfo x = in.info("input");
            if (x.rank() != 3) {
                throw new SafetensorsException(input, "tensor 'input' has shape " + x.shapeString() + ", expected [T, B, "
                        + w.inputSize() + "] (time-major)");
            }
            long steps = x.dim(0), batch = x.dim(1);
            if (steps < 1 || batch < 1 || steps * batch > Integer.MAX_VALUE) {
                throw new SafetensorsException(input, "tensor 'input' has shape " + x.shapeString()
                        + ": T and B must be at least 1 and T·B at most " + Integer.MAX_VALUE);
            }
            int t = (int) steps, b = (int) batch, states = w.layers() * w.directions(), h = w.hiddenSize();
            Matrix xs = in.floats("input", t, b, w.inputSize());
            Matrix h0 = in.contains("h0") ? in.floats("h0", states, b, h) : null;
            Matrix c0 = null;
            if (in.contains("c0")) {
                if (!w.kind().hasCellState()) {
                    throw new SafetensorsException(input, "tensor 'c0' is given but " + w.kind() + " has no cell state");
                }
                c0 = in.floats("c0", states, b, h);
            }
            int[] lengths = in.contains("lengths") ? lengths(in, b, t) : null;
            Kernels kernels = Kernels.preferred();
            try (RecurrentModule module = new RecurrentModule(kernels, w.levels())) {
                RecurrentModule.Result r = module.forward(xs, b, h0, c0, lengths);
                SafetensorsWriter out = new SafetensorsWriter()
                        .put("output", r.output(), Dtype.F32, t, b, module.outputSize())
                        .put("h_n", r.hN(), Dtype.F32, states, b, h);
                if (r.cN() != null) {
                    out.put("c_n", r.cN(), Dtype.F32, states, b, h);
                }
                out.write(output);
            }
            spec.commandLine().getOut().printf("%s%s: %s %d layer(s) × %d direction(s), H=%d; T=%d, B=%d → %s%n",
                    model.getFileName(), prefix.isEmpty() ? "" : " (" + prefix + ")", w.kind(), w.layers(), w.directions(), h, t, b, output);
        }
        return 0;
    }

    private int[] lengths(SafetensorsFile in, int batch, int steps) throws SafetensorsException {
        long[] values = in.integers("lengths", batch);
        int[] lengths = new int[batch];
        for (int i = 0; i < batch; i++) {
            if (values[i] < 1 || values[i] > steps) {
                throw new SafetensorsException(input, "lengths[" + i + "] is " + values[i] + ", outside 1.." + steps + " (T)");
            }
            lengths[i] = (int) values[i];
        }
        return lengths;
    }
}
