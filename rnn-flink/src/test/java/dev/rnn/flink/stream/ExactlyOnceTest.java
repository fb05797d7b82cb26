package dev.rnn.flink.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once on an embedded cluster: an operator throws once in the middle of the stream, the job
 * restarts from its last checkpoint, and what the file sink committed equals, line for line and key by
 * key in order, the results of the same events stepped without failure ({@link SequentialReference}).
 */
class ExactlyOnceTest {

    @TempDir
    Path dir;

    @Test
    void aFailureMidStreamChangesNothingInTheCommittedOutput() throws Exception {
        Path model = TestModels.languageModel(dir, 16);
        long count = 4000;
        int keys = 40;
        Configuration config = StreamJob.configuration("rocksdb", Duration.ofMillis(200), dir.resolve("checkpoints"));
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, config);
        StreamJobs.FailOnce.FAILURES.set(0);
        StreamJobs.FailOnce.AFTER_RESTART.set(0);
        // batched, so that the failure also drops events buffered in the operator
        new StreamPipeline(StreamTask.LM, model.toString(), 8, Duration.ofMillis(20))
                .apply(StreamJobs.lines(env, StreamTask.LM, count, keys, 500)
                        .map(new StreamJobs.FailOnce(600)).setParallelism(1).returns(Types.STRING).uid("fail-once"))
                .writeTo(dir.resolve("out").toString());
        env.execute("exactly-once under an injected failure");

        assertEquals(1, StreamJobs.FailOnce.FAILURES.get(), "the job failed once");
        long replayed = StreamJobs.FailOnce.AFTER_RESTART.get();
        assertTrue(replayed < count, "the restarted job resumed from a checkpoint (it read " + replayed + " of " + count + " lines)");
        List<String> lines = TestModels.lines(StreamTask.LM, count, keys);
        Map<String, List<String>> expected = SequentialReference.sorted(SequentialReference.results(StreamTask.LM, model, lines));
        assertEquals(null, SequentialReference.difference(expected, SequentialReference.committed(dir.resolve("out/results"))));
        long bad = lines.stream().filter(l -> l.indexOf('\t') <= 0 || l.substring(l.indexOf('\t') + 1).length() != 1
                || l.endsWith("☃")).count();
        List<String> rejected = SequentialReference.committedLines(dir.resolve("out/rejected"));
        assertEquals(bad, rejected.size(), "every bad line rejected once");
    }
}
