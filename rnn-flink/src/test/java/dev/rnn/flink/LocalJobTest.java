package dev.rnn.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A trivial keyed job on a local environment, with checkpoints and each state backend: Flink starts, runs
 * and stops on this JDK with the module's JVM flags, and nothing falls back to Kryo.
 */
class LocalJobTest {

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aKeyedJobRunsLocally(String stateBackend) throws Exception {
        Configuration config = new Configuration();
        config.set(PipelineOptions.GENERIC_TYPES, false);
        config.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        List<Long> runningSums = env.fromSequence(1, 100)
                .keyBy(n -> n % 7, Types.LONG)
                .reduce(Long::sum)
                .executeAndCollect(1000);
        assertEquals(100, runningSums.size());
        // key 2 (2, 9, ..., 100) has the largest total: 15 terms, (2 + 100) * 15 / 2
        assertEquals(765L, runningSums.stream().mapToLong(Long::longValue).max().orElseThrow());
    }
}
