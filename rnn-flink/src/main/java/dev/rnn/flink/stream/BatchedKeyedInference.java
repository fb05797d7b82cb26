package dev.rnn.flink.stream;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * As {@link KeyedInference}, but the events of a subtask are buffered and stepped through the model
 * together, up to {@code maxBatch} keys per step: the buffer is stepped when it holds maxBatch events,
 * when the oldest has waited {@code maxDelayMillis} (a processing-time timer), before each checkpoint
 * barrier (so a checkpoint never holds buffered events: the buffer is not state) and at the end of
 * input. A step takes each key at most once, so a key's events are stepped in arrival order, over
 * successive steps when one buffer holds several of them. Outputs are the same lines as
 * {@link KeyedInference}'s, in the same order per key (the model's rows are batch-invariant).
 */
public final class BatchedKeyedInference extends AbstractStreamOperator<String>
        implements OneInputStreamOperator<Tuple2<String, String>, String>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final StreamTask task;
    private final String model;
    private final int maxBatch;
    private final long maxDelayMillis;
    private transient EventModel events;
    private transient ValueState<float[]> state;
    private transient Rejections rejections;
    private transient String[] keys, values;   // the buffer, in arrival order
    private transient int buffered;
    private transient boolean[] taken;         // per buffered event: stepped already
    private transient int[] rowEvent;          // per row of the current step: its buffered event
    private transient float[][] rowStates;     // per row of the current step: its key's state
    private transient Set<String> stepKeys;    // the keys of the current step
    private transient boolean timerSet;

    public BatchedKeyedInference(StreamTask task, String model, int maxBatch, long maxDelayMillis) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be ≥ 1, found " + maxBatch);
        }
        this.task = task;
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxDelayMillis = maxDelayMillis;
    }

    @Override
    public void open() throws Exception {
        super.open();
        events = task.open(Path.of(model), maxBatch);
        state = getKeyedStateStore().getState(KeyedInference.stateDescriptor(events));
        rejections = new Rejections(getMetricGroup(), "batched keyed inference");
        keys = new String[maxBatch];
        values = new String[maxBatch];
        taken = new boolean[maxBatch];
        rowEvent = new int[maxBatch];
        rowStates = new float[maxBatch][];
        stepKeys = new HashSet<>();
    }

    @Override
    public void processElement(StreamRecord<Tuple2<String, String>> element) throws Exception {
        Tuple2<String, String> event = element.getValue();
        keys[buffered] = event.f0;
        values[buffered] = event.f1;
        buffered++;
        if (buffered == maxBatch) {
            flush();
        } else if (!timerSet && maxDelayMillis > 0) {
            timerSet = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + maxDelayMillis, time -> {
                timerSet = false;
                flush();
            });
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    /** Steps every buffered event: in rounds that take each key at most once, the earliest event of each key first. */
    private void flush() throws Exception {
        int left = buffered;
        java.util.Arrays.fill(taken, 0, buffered, false);
        while (left > 0) {
            stepKeys.clear();
            int rows = 0;
            for (int i = 0; i < buffered; i++) {
                if (taken[i] || !stepKeys.add(keys[i])) {
                    continue;
                }
                taken[i] = true;
                left--;
                setCurrentKey(keys[i]);
                float[] s = state.value();
                if (s == null) {
                    s = events.initialState();
                }
                String rejected = events.load(rows, values[i], s);
                if (rejected != null) {
                    output.collect(Rejections.TAG, new StreamRecord<>(rejections.reject(rejected, keys[i] + '\t' + values[i])));
                    continue;
                }
                rowStates[rows] = s;
                rowEvent[rows++] = i;
            }
            if (rows == 0) {
                continue;
            }
            events.step(rows);
            for (int r = 0; r < rows; r++) {
                int i = rowEvent[r];
                String fields = events.finish(r);
                setCurrentKey(keys[i]);
                state.update(rowStates[r]);
                rowStates[r] = null;
                output.collect(new StreamRecord<>(keys[i] + '\t' + fields));
            }
        }
        java.util.Arrays.fill(keys, 0, buffered, null);
        java.util.Arrays.fill(values, 0, buffered, null);
        buffered = 0;
    }

    @Override
    public void close() throws Exception {
        if (events != null) {
            events.close();
        }
        super.close();
    }
}
