package dev.rnn.core.kernels;

/**
 * A source of a {@link Kernels} implementation, found with {@link java.util.ServiceLoader}
 * ({@code rnn-simd} provides one). Implementations must not touch optional JDK modules in their
 * constructor, so that asking for one is safe even when it cannot be used. A {@link LinkageError}
 * while loading one or calling it makes it unavailable, with the error as the reason.
 */
public interface KernelProvider {

    /** The name the provider answers to in {@code -Drnn.kernels=NAME}. */
    String name();

    /** Why this provider cannot run in this JVM, or {@code null} when it can. */
    String unavailableReason();

    /** The kernels; call only when {@link #unavailableReason()} is {@code null}. */
    Kernels kernels();
}
