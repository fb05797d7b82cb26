package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;

/** Beam search's reordering of decoder states kept as L blocks of R rows ((L·R)×H). */
final class StateRows {

    private StateRows() {
    }

    /** Row i of every block of {@code states} becomes the former row parent[i], for i < kept; {@code swap} is scratch of the same shape. */
    static void reorder(Matrix states, Matrix swap, int layers, int rows, int[] parent, int kept) {
        if (states == null) {
            return;
        }
        swap.copyFrom(states);
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < kept; i++) {
                states.row(l * rows + i).copyFrom(swap.row(l * rows + parent[i]));
            }
        }
    }
}
