package dev.rnn.flink.stream;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Test jobs: a checkpointed, rate-limited source of the test events, and an operator that fails once. */
final class StreamJobs {

    private StreamJobs() {
    }

    /**
     * Lines i = 0..count of {@link TestModels#lines} in order, from one source subtask (parallel ones would
     * interleave their ranges), at most {@code perSecond} a second; its position is checkpointed.
     */
    static DataStream<String> lines(StreamExecutionEnvironment env, StreamTask task, long count, int keys, double perSecond) {
        DataGeneratorSource<String> source = new DataGeneratorSource<>(new Line(task, keys), count,
                RateLimiterStrategy.perSecond(perSecond), Types.STRING);
        return env.fromSource(source, org.apache.flink.api.common.eventtime.WatermarkStrategy.noWatermarks(), "test lines")
                .setParallelism(1).uid("test-lines");
    }

    private record Line(StreamTask task, int keys) implements GeneratorFunction<Long, String> {
        @Override
        public String map(Long i) {
            return task == StreamTask.LM ? TestModels.lmLine(i, keys) : TestModels.forecastLine(i, keys);
        }
    }

    /**
     * Passes lines through; in its first attempt, subtask 0 throws at its first line after {@code after}
     * lines and after a checkpoint has completed (so that the restart has one to resume from). Counts the
     * lines seen by later attempts in {@link #AFTER_RESTART} (the tests' MiniCluster runs in this JVM).
     */
    static final class FailOnce extends RichMapFunction<String, String> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicLong FAILURES = new AtomicLong();
        static final AtomicLong AFTER_RESTART = new AtomicLong();
        private final long after;
        private transient long seen;
        private transient boolean first, failing;
        private transient volatile boolean checkpointed;

        FailOnce(long after) {
            this.after = after;
        }

        @Override
        public void open(OpenContext openContext) {
            first = getRuntimeContext().getTaskInfo().getAttemptNumber() == 0;
            failing = first && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
        }

        @Override
        public String map(String line) {
            if (!first) {
                AFTER_RESTART.incrementAndGet();
            }
            if (failing && ++seen >= after && checkpointed) {
                failing = false;
                FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure after " + after + " lines");
            }
            return line;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }
}
