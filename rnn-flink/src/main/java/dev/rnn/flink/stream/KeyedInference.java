package dev.rnn.flink.stream;

import dev.rnn.models.io.SafetensorsException;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Steps each event as it comes, one key at a time: the key's state from keyed {@link ValueState}
 * (serialized by {@link KeyStateSerializer}), one step, the output line {@code key<TAB>fields} out and
 * the new state back. The model is opened once per subtask in {@link #open} from {@code model}, a path
 * every TaskManager can read. Events the model cannot take go to the {@link Rejections#TAG} side output.
 * Same outputs as {@link BatchedKeyedInference}, which steps many keys together.
 */
public final class KeyedInference extends KeyedProcessFunction<String, Tuple2<String, String>, String> {

    private static final long serialVersionUID = 1L;

    static final String STATE_NAME = "recurrent-state";

    private final StreamTask task;
    private final String model;
    private transient EventModel events;
    private transient ValueState<float[]> state;
    private transient Rejections rejections;

    public KeyedInference(StreamTask task, String model) {
        this.task = task;
        this.model = model;
    }

    @Override
    public void open(OpenContext openContext) throws SafetensorsException {
        events = task.open(Path.of(model), 1);
        state = getRuntimeContext().getState(stateDescriptor(events));
        rejections = new Rejections(getRuntimeContext().getMetricGroup(), "keyed inference");
    }

    /** The keyed state of a model's keys. */
    static ValueStateDescriptor<float[]> stateDescriptor(EventModel events) {
        return new ValueStateDescriptor<>(STATE_NAME, new KeyStateSerializer(events.stateSize()));
    }

    @Override
    public void processElement(Tuple2<String, String> event, Context ctx, Collector<String> out) throws Exception {
        float[] s = state.value();
        if (s == null) {
            s = events.initialState();
        }
        String rejected = events.load(0, event.f1, s);
        if (rejected != null) {
            ctx.output(Rejections.TAG, rejections.reject(rejected, event.f0 + '\t' + event.f1));
            return;
        }
        events.step(1);
        String fields = events.finish(0);
        state.update(s);
        out.collect(event.f0 + '\t' + fields);
    }

    @Override
    public void close() {
        if (events != null) {
            events.close();
        }
    }
}
