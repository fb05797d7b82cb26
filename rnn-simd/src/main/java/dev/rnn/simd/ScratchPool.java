package dev.rnn.simd;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A few reusable float buffers of one size, shared by all threads without locks. {@link #take}
 * hands out a free buffer (allocating one only when all are in use) and {@link #give} returns it,
 * so that a kernel that needs scratch space allocates nothing in steady state and needs no
 * per-thread state.
 */
final class ScratchPool {

    private static final int SLOTS = 8;

    private final int length;
    private final AtomicReferenceArray<float[]> slots = new AtomicReferenceArray<>(SLOTS);

    ScratchPool(int length) {
        this.length = length;
    }

    float[] take() {
        for (int i = 0; i < SLOTS; i++) {
            float[] b = slots.get(i);
            if (b != null && slots.compareAndSet(i, b, null)) {
                return b;
            }
        }
        return new float[length];
    }

    void give(float[] buffer) {
        for (int i = 0; i < SLOTS; i++) {
            if (slots.get(i) == null && slots.compareAndSet(i, null, buffer)) {
                return;
            }
        }
        // every slot is full: let the garbage collector have this one
    }
}
