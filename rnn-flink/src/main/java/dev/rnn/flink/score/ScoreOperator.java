package dev.rnn.flink.score;

import dev.rnn.models.text.DataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores input records with the task's model, opened once per parallel instance in {@link #open}, in
 * chunks of the CLI's batch size; the last chunk is scored at the end of input. A record that cannot be
 * scored becomes a rejected {@link ScoredRecord} with the reason: counted (metric and accumulator
 * {@value #REJECTED}), logged once per kind, never a failed job.
 *
 * <p>An operator rather than a map-partition function: Flink 2.3 runs a map-partition function on a thread
 * of its own that writes to the task's output while the task thread forwards watermarks to it, and on the
 * sort-merge shuffle of batch jobs that race broke one run in 3 to 30 (a failed append, corrupt buffer
 * accounting, or a task waiting forever for network buffers). Here everything runs on the task thread.
 *
 * <p>For batch jobs only (it keeps no state in checkpoints): {@link ScoreJob} runs it in batch mode, after
 * a shuffle, so every input record is an object of its own that it may hold until its chunk is scored.
 * Not thread-safe: one instance per parallel subtask, called by that task's thread.
 */
final class ScoreOperator extends AbstractStreamOperator<ScoredRecord>
        implements OneInputStreamOperator<ScoreInput, ScoredRecord>, BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoreOperator.class);

    /** Name of the counter metric and accumulator of rejected records. */
    static final String REJECTED = "rejected";
    /** Name of the counter metric and accumulator of scored records. */
    static final String SCORED = "scored";

    // records per model call: the CLI's prediction batch, so a row's padding and batching cost what they do there
    private static final int CHUNK = 32;

    private final ScoreTask task;
    private final String model;
    private final String input;

    private transient RecordScorer<?> scorer;
    private transient Counter rejectedMetric;
    private transient Counter scoredMetric;
    private transient LongCounter rejected;
    private transient LongCounter scored;
    private transient Set<String> kindsLogged;
    private transient List<ScoreInput> chunk;
    private transient StreamRecord<ScoredRecord> outRecord;   // one wrapper, refilled for every output

    ScoreOperator(ScoreTask task, String model, String input) {
        this.task = task;
        this.model = model;
        this.input = input;
    }

    @Override
    public void open() throws Exception {
        super.open();
        scorer = task.scorer(task.open(Path.of(model)), input);
        rejectedMetric = getMetricGroup().counter(REJECTED);
        scoredMetric = getMetricGroup().counter(SCORED);
        rejected = getRuntimeContext().getLongCounter(REJECTED);
        scored = getRuntimeContext().getLongCounter(SCORED);
        kindsLogged = new HashSet<>();
        chunk = new ArrayList<>(CHUNK);
        outRecord = new StreamRecord<>(null);
    }

    @Override
    public void processElement(StreamRecord<ScoreInput> element) {
        ScoreInput r = element.getValue();
        if (r.problem != null) {
            reject(r, r.problem, "unreadable line (not UTF-8, or an unknown character)");
            return;
        }
        chunk.add(r);
        if (chunk.size() == CHUNK) {
            scoreChunk();
        }
    }

    @Override
    public void endInput() {
        if (!chunk.isEmpty()) {
            scoreChunk();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (scorer != null) {
                scorer.close();
            }
        } finally {
            super.close();
        }
    }

    /** Scores the records held back and lets them go. */
    private void scoreChunk() {
        score(chunk);
        chunk.clear();
    }

    /** Scores the chunk together; when one of its records cannot be scored, each alone, to find it. */
    private void score(List<ScoreInput> chunk) {
        List<String> texts;
        try {
            texts = scorer.scoreAll(chunk);
        } catch (DataException | IllegalArgumentException e) {
            for (ScoreInput r : chunk) {
                try {
                    emit(r, scorer.scoreAll(List.of(r)).get(0));
                } catch (DataException | IllegalArgumentException alone) {
                    reject(r, alone.getMessage(), alone instanceof DataException ? "malformed record" : "record the model cannot score");
                }
            }
            return;
        }
        for (int i = 0; i < chunk.size(); i++) {
            emit(chunk.get(i), texts.get(i));
        }
    }

    private void emit(ScoreInput r, String text) {
        if (text != null) {
            scored.add(1);
            scoredMetric.inc();
            output.collect(outRecord.replace(new ScoredRecord(r.index, false, text)));
        }
    }

    private void reject(ScoreInput r, String problem, String kind) {
        String reason = r.located(problem);
        rejected.add(1);
        rejectedMetric.inc();
        if (kindsLogged.add(kind)) {
            LOG.warn("rejected a {}: {} (further ones are only counted, in metric '{}', and written to the rejects file)", kind,
                    reason, REJECTED);
        }
        output.collect(outRecord.replace(new ScoredRecord(r.index, true, reason)));
    }
}
