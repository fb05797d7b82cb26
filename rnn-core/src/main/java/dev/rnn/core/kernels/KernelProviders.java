package dev.rnn.core.kernels;

import java.util.Iterator;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Chooses the kernels once per JVM. SIMD when {@code rnn-simd} is on the class or module path and
 * the {@code jdk.incubator.vector} module is loaded; otherwise the scalar oracle, after one
 * {@code WARNING} record on the {@link System.Logger} named {@value #LOGGER} that says how to enable
 * SIMD. A SIMD provider whose classes fail to load or link ({@link LinkageError}) counts as unavailable,
 * and the warning names the error. {@code -Drnn.kernels=scalar|simd} forces one (forcing an
 * unavailable one is an error, not a silent fallback).
 *
 * <p>The choice is held in a {@code static final} field so that the JIT sees a single
 * implementation at every call site.
 */
public final class KernelProviders {

    /** System property that forces a backend by name. */
    public static final String PROPERTY = "rnn.kernels";

    /** Name of the {@link System.Logger} that reports the choice when it falls back to scalar. */
    public static final String LOGGER = "dev.rnn.kernels";

    /** Failures after which {@link #find} stops looking; the iterator skips a provider that failed. */
    private static final int MAX_FAILURES = 8;

    static final Kernels PREFERRED = choosePreferred();

    private KernelProviders() {
    }

    /**
     * The kernels with this name ({@code scalar} or {@code simd}).
     *
     * @throws IllegalStateException when no such backend exists, it cannot run in this JVM or it
     *     failed to load, with the reason (and the {@link LinkageError} as the cause when there is one)
     */
    public static Kernels named(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals(ScalarKernels.INSTANCE.name())) {
            return ScalarKernels.INSTANCE;
        }
        Choice c = load(key);
        if (c.kernels() != null) {
            return c.kernels();
        }
        if (c.missing()) {
            throw new IllegalStateException("no '" + key + "' kernels: known backends are scalar"
                    + (key.equals("simd") ? "; add dev.rnn:rnn-simd to the class path" : ", simd"));
        }
        throw new IllegalStateException("'" + key + "' kernels cannot run: " + c.problem(), c.failure());
    }

    /** Either the kernels, or why there are none: no provider ({@code missing}) or its {@code problem}. */
    private record Choice(Kernels kernels, boolean missing, String problem, Throwable failure) {
    }

    /**
     * Finds, probes and loads the provider named {@code key}. A provider whose classes cannot be
     * loaded or linked (compiled for a newer JDK, a class or module missing at run time, a failing
     * static initializer) counts as unavailable, with the error as the reason: a service should run,
     * slowly, rather than fail to start because of an optional speed-up.
     */
    private static Choice load(String key) {
        Lookup found = find(key);
        if (found.provider() == null) {
            return found.failure() == null ? new Choice(null, true, null, null)
                    : new Choice(null, false, failedToLoad(key, found.failure()), found.failure());
        }
        try {
            String reason = found.provider().unavailableReason();
            if (reason != null) {
                return new Choice(null, false, reason, null);
            }
            return new Choice(found.provider().kernels(), false, null, null);
        } catch (LinkageError e) {
            return new Choice(null, false, failedToLoad(key, e), e);
        }
    }

    private static String failedToLoad(String key, Throwable e) {
        return "the '" + key + "' kernels failed to load (" + oneLine(e) + ")"
                + (key.equals("simd") ? "; they need JDK 25 or newer started with --add-modules jdk.incubator.vector" : "");
    }

    /** The provider with this name, if one loaded, and the first failure while looking for it. */
    private record Lookup(KernelProvider provider, Throwable failure) {
    }

    private static Lookup find(String name) {
        Iterator<KernelProvider> it = ServiceLoader.load(KernelProvider.class, KernelProviders.class.getClassLoader()).iterator();
        Throwable failure = null;
        int failures = 0;
        while (failures < MAX_FAILURES) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                KernelProvider p = it.next();
                if (p.name().equals(name)) {
                    return new Lookup(p, null);
                }
            } catch (LinkageError | ServiceConfigurationError e) {
                // a LinkageError comes straight from loading the provider's class; ServiceLoader wraps
                // one thrown while instantiating it (and a provider class that is not there at all)
                if (failure == null) {
                    failure = e;
                }
                failures++;
            }
        }
        return new Lookup(null, failure);
    }

    /** The error and its causes on one line: "java.lang.NoClassDefFoundError: jdk/incubator/vector/…". */
    static String oneLine(Throwable e) {
        StringBuilder s = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 4; t = t.getCause(), depth++) {
            s.append(depth == 0 ? "" : ", caused by ").append(t);
        }
        return s.toString().replaceAll("\\s+", " ").strip();
    }

    private static Kernels choosePreferred() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return named(forced);
        }
        Choice simd = load("simd");
        if (simd.kernels() != null) {
            return simd.kernels();
        }
        warn(simd.missing() ? "rnn-simd is not on the class path; add dev.rnn:rnn-simd to use the Vector API kernels"
                : simd.problem());
        return ScalarKernels.INSTANCE;
    }

    private static void warn(String reason) {
        // one record, on purpose: a library should not flood a service's log at start-up; through
        // System.Logger it lands in whatever logging the application uses (java.util.logging, which
        // writes to standard error, when it has none)
        System.getLogger(LOGGER).log(System.Logger.Level.WARNING, "rnn uses its scalar kernels (slow): " + reason);
    }
}
