package dev.rnn.flink.stream;

import java.time.Duration;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The streaming job's graph from a stream of {@code key<TAB>value} lines: lines split into events, keyed
 * by key, stepped per key ({@link KeyedInference}, or {@link BatchedKeyedInference} with maxBatch > 1),
 * giving result lines {@code key<TAB>fields} and rejected lines {@code reason<TAB>line}.
 *
 * @param task           what the model does per event
 * @param model          the model file, a path every TaskManager can read
 * @param maxBatch       keys stepped together per subtask; 1 steps each event as it comes
 * @param maxDelay       with maxBatch > 1, the longest an event waits for its batch to fill
 */
public record StreamPipeline(StreamTask task, String model, int maxBatch, Duration maxDelay) {

    /** The job's two outputs. */
    public record Outputs(DataStream<String> results, DataStream<String> rejected) {

        /** Writes results to {@code dir}/results and rejected lines to {@code dir}/rejected, committed at each checkpoint. */
        public void writeTo(String dir) {
            results.sinkTo(fileSink(dir + "/results")).name("results").uid("results-sink");
            rejected.sinkTo(fileSink(dir + "/rejected")).name("rejected").uid("rejected-sink");
        }
    }

    /** Builds the graph on {@code lines}. */
    public Outputs apply(DataStream<String> lines) {
        SingleOutputStreamOperator<Tuple2<String, String>> events = lines
                .process(new EventLines(), EventLines.TYPE).name("event lines").uid("event-lines");
        KeyedStream<Tuple2<String, String>, String> keyed = events.keyBy(new EventLines.Key(), Types.STRING);
        SingleOutputStreamOperator<String> results = maxBatch <= 1
                ? keyed.process(new KeyedInference(task, model), Types.STRING)
                : keyed.transform("batched keyed inference", Types.STRING,
                        new BatchedKeyedInference(task, model, maxBatch, maxDelay.toMillis()));
        results.name("keyed inference").uid("keyed-inference");
        DataStream<String> rejected = events.getSideOutput(Rejections.TAG).union(results.getSideOutput(Rejections.TAG));
        return new Outputs(results, rejected);
    }

    /**
     * A file sink of lines whose part files are committed at checkpoints only: with checkpointing on,
     * what it has committed holds every line exactly once.
     */
    static FileSink<String> fileSink(String dir) {
        return FileSink.forRowFormat(new Path(dir), new SimpleStringEncoder<String>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .build();
    }
}
