package dev.rnn.core.kernels;

import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Chooses the kernels once per JVM. SIMD when {@code rnn-simd} is on the class or module path and
 * the {@code jdk.incubator.vector} module is loaded; otherwise the scalar oracle, after one
 * {@code WARNING} record on the {@link System.Logger} named {@value #LOGGER} that says how to enable
 * SIMD. {@code -Drnn.kernels=scalar|simd} forces one (forcing an unavailable one is an error, not a
 * silent fallback).
 *
 * <p>The choice is held in a {@code static final} field so that the JIT sees a single
 * implementation at every call site.
 */
public final class KernelProviders {

    /** System property that forces a backend by name. */
    public static final String PROPERTY = "rnn.kernels";

    /** Name of the {@link System.Logger} that reports the choice when it falls back to scalar. */
    public static final String LOGGER = "dev.rnn.kernels";

    static final Kernels PREFERRED = choosePreferred();

    private KernelProviders() {
    }

    /**
     * The kernels with this name ({@code scalar} or {@code simd}).
     *
     * @throws IllegalStateException when no such backend exists or it cannot run in this JVM,
     *     with the reason
     */
    public static Kernels named(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals(ScalarKernels.INSTANCE.name())) {
            return ScalarKernels.INSTANCE;
        }
        KernelProvider provider = find(key);
        if (provider == null) {
            throw new IllegalStateException("no '" + key + "' kernels: known backends are scalar"
                    + (key.equals("simd") ? "; add dev.rnn:rnn-simd to the class path" : ", simd"));
        }
        String reason = provider.unavailableReason();
        if (reason != null) {
            throw new IllegalStateException("'" + key + "' kernels cannot run: " + reason);
        }
        return provider.kernels();
    }

    private static KernelProvider find(String name) {
        for (KernelProvider p : ServiceLoader.load(KernelProvider.class, KernelProviders.class.getClassLoader())) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    private static Kernels choosePreferred() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return named(forced);
        }
        KernelProvider simd = find("simd");
        if (simd == null) {
            warn("rnn-simd is not on the class path; add dev.rnn:rnn-simd to use the Vector API kernels");
            return ScalarKernels.INSTANCE;
        }
        String reason = simd.unavailableReason();
        if (reason != null) {
            warn(reason);
            return ScalarKernels.INSTANCE;
        }
        return simd.kernels();
    }

    private static void warn(String reason) {
        // one record, on purpose: a library should not flood a service's log at start-up; through
        // System.Logger it lands in whatever logging the application uses (java.util.logging, which
        // writes to standard error, when it has none)
        System.getLogger(LOGGER).log(System.Logger.Level.WARNING, "rnn uses its scalar kernels (slow): " + reason);
    }
}
