package dev.rnn.flink.stream;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of one key's state: exactly {@code length} floats (the model's state size, see
 * {@link EventModel#stateSize()}), written as 4·length big-endian bytes with no header, so every key's
 * state has the same size. Restoring state written for another length (a model of another shape) is
 * refused by the {@link Snapshot}'s compatibility check. An instance holds a scratch buffer: use one per
 * thread ({@link #duplicate()} gives a fresh one, as Flink expects of stateful serializers).
 */
public final class KeyStateSerializer extends TypeSerializer<float[]> {

    private static final long serialVersionUID = 1L;
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.BIG_ENDIAN);

    private final int length;
    private transient byte[] scratch;

    public KeyStateSerializer(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("a key's state holds at least one float, found " + length);
        }
        this.length = length;
    }

    /** Floats per state. */
    public int stateLength() {
        return length;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<float[]> duplicate() {
        return new KeyStateSerializer(length);
    }

    @Override
    public float[] createInstance() {
        return new float[length];
    }

    @Override
    public float[] copy(float[] from) {
        return from.clone();
    }

    @Override
    public float[] copy(float[] from, float[] reuse) {
        if (reuse == null || reuse.length != from.length) {
            return from.clone();
        }
        System.arraycopy(from, 0, reuse, 0, from.length);
        return reuse;
    }

    @Override
    public int getLength() {
        return length * Float.BYTES;
    }

    @Override
    public void serialize(float[] record, DataOutputView target) throws IOException {
        if (record.length != length) {
            throw new IOException("a key's state has " + record.length + " floats, this model's state has " + length);
        }
        byte[] b = scratch();
        for (int i = 0; i < length; i++) {
            FLOATS.set(b, i * Float.BYTES, record[i]);
        }
        // one write per state rather than one per float: DataOutputView calls are not cheap on RocksDB's path
        target.write(b);
    }

    @Override
    public float[] deserialize(DataInputView source) throws IOException {
        return deserialize(new float[length], source);
    }

    @Override
    public float[] deserialize(float[] reuse, DataInputView source) throws IOException {
        float[] out = reuse != null && reuse.length == length ? reuse : new float[length];
        byte[] b = scratch();
        source.readFully(b);
        for (int i = 0; i < length; i++) {
            out[i] = (float) FLOATS.get(b, i * Float.BYTES);
        }
        return out;
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        target.write(source, length * Float.BYTES);
    }

    private byte[] scratch() {
        byte[] b = scratch;
        if (b == null) {
            b = scratch = new byte[length * Float.BYTES];
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyStateSerializer other && other.length == length;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(length);
    }

    @Override
    public TypeSerializerSnapshot<float[]> snapshotConfiguration() {
        return new Snapshot(length);
    }

    /** What a checkpoint records of the serializer: the state length. Restoring needs the same length. */
    public static final class Snapshot implements TypeSerializerSnapshot<float[]> {

        private static final int VERSION = 1;
        private int length;

        /** For Flink, which reads the length with {@link #readSnapshot}. */
        public Snapshot() {
        }

        Snapshot(int length) {
            this.length = length;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(length);
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
            if (readVersion != VERSION) {
                throw new IOException("key state serializer snapshot version " + readVersion + ", this version reads " + VERSION);
            }
            length = in.readInt();
        }

        @Override
        public TypeSerializer<float[]> restoreSerializer() {
            return new KeyStateSerializer(length);
        }

        @Override
        public TypeSerializerSchemaCompatibility<float[]> resolveSchemaCompatibility(TypeSerializerSnapshot<float[]> oldSnapshot) {
            // state of another length belongs to a model of another shape: nothing could migrate it
            return oldSnapshot instanceof Snapshot old && old.length == length
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
