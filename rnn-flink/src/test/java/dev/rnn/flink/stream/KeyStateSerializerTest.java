package dev.rnn.flink.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class KeyStateSerializerTest {

    @Property(tries = 200)
    void statesComeBackBitForBit(@ForAll @Size(min = 1, max = 300) float[] state) throws IOException {
        KeyStateSerializer s = new KeyStateSerializer(state.length);
        DataOutputSerializer out = new DataOutputSerializer(16);
        s.serialize(state, out);
        s.serialize(state, out);
        assertEquals(2 * s.getLength(), out.length(), "fixed size, no header");
        DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
        float[] first = s.deserialize(in);
        float[] second = s.duplicate().deserialize(new float[state.length], in);
        for (float[] back : new float[][] {first, second}) {
            for (int i = 0; i < state.length; i++) {
                assertEquals(Float.floatToRawIntBits(state[i]), Float.floatToRawIntBits(back[i]), "float " + i);
            }
        }
    }

    @Test
    void nanMarkersAndCopiesSurvive() throws IOException {
        float[] state = {1f, -0f, Float.NaN, Float.POSITIVE_INFINITY};
        KeyStateSerializer s = new KeyStateSerializer(4);
        float[] copy = s.copy(state);
        assertArrayEquals(state, copy);
        copy[0] = 2;
        assertEquals(1f, state[0], "a copy is deep");
        DataOutputSerializer out = new DataOutputSerializer(16);
        s.serialize(state, out);
        DataOutputSerializer moved = new DataOutputSerializer(16);
        s.copy(new DataInputDeserializer(out.getCopyOfBuffer()), moved);
        assertArrayEquals(out.getCopyOfBuffer(), moved.getCopyOfBuffer());
    }

    @Test
    void aStateOfAnotherLengthIsAnError() {
        IOException e = assertThrows(IOException.class, () -> new KeyStateSerializer(3).serialize(new float[4], new DataOutputSerializer(8)));
        assertTrue(e.getMessage().contains("4 floats") && e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void snapshotsRestoreTheSameLengthAndRefuseAnother() throws IOException {
        TypeSerializerSnapshot<float[]> written = new KeyStateSerializer(133).snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(8);
        written.writeSnapshot(out);
        KeyStateSerializer.Snapshot read = new KeyStateSerializer.Snapshot();
        read.readSnapshot(written.getCurrentVersion(), new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        TypeSerializer<float[]> restored = read.restoreSerializer();
        assertEquals(new KeyStateSerializer(133), restored);
        assertTrue(new KeyStateSerializer(133).snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs());
        assertTrue(new KeyStateSerializer(134).snapshotConfiguration().resolveSchemaCompatibility(read).isIncompatible());
    }
}
