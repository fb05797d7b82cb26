package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code rnn info}: the JVM and the kernels this process would use. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, the chosen kernel backend and its vector width.")
final class InfoCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Kernels k = Kernels.preferred();
        out.println("jdk:            " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        out.println("java.home:      " + System.getProperty("java.home"));
        out.println("vector module:  " + (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                ? "jdk.incubator.vector loaded" : "not loaded (add --add-modules jdk.incubator.vector)"));
        out.println("kernels:        " + k.name() + forced());
        out.println("vector bits:    " + k.vectorBitSize());
        out.println("float lanes:    " + k.floatLanes());
        out.println("cpus:           " + Runtime.getRuntime().availableProcessors());
        out.println("threads:        " + System.getProperty(RnnCommand.THREADS_PROPERTY, "1")
                + " per large product (-Drnn.threads=N; ./rnn uses one per cpu, the library alone 1)");
        out.println("max heap:       " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
    }

    private static String forced() {
        String p = System.getProperty("rnn.kernels");
        return p == null ? " (chosen automatically; -Drnn.kernels=scalar|simd forces one)" : " (forced by -Drnn.kernels=" + p + ")";
    }
}
