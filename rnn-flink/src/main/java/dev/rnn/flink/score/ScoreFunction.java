package dev.rnn.flink.score;

import dev.rnn.models.text.DataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapPartitionFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a partition of input records with the task's model, opened once per parallel instance in
 * {@link #open}. A record that cannot be scored becomes a rejected {@link ScoredRecord} with the reason:
 * counted (metric and accumulator {@value #REJECTED}), logged once per kind, never a failed job.
 */
final class ScoreFunction extends RichMapPartitionFunction<ScoreInput, ScoredRecord> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoreFunction.class);

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

    ScoreFunction(ScoreTask task, String model, String input) {
        this.task = task;
        this.model = model;
        this.input = input;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        scorer = task.scorer(task.open(Path.of(model)), input);
        rejectedMetric = getRuntimeContext().getMetricGroup().counter(REJECTED);
        scoredMetric = getRuntimeContext().getMetricGroup().counter(SCORED);
        rejected = getRuntimeContext().getLongCounter(REJECTED);
        scored = getRuntimeContext().getLongCounter(SCORED);
        kindsLogged = new HashSet<>();
    }

    @Override
    public void close() throws Exception {
        if (scorer != null) {
            scorer.close();
        }
    }

    @Override
    public void mapPartition(Iterable<ScoreInput> records, Collector<ScoredRecord> out) {
        List<ScoreInput> chunk = new ArrayList<>(CHUNK);
        for (ScoreInput r : records) {
            if (r.problem != null) {
                reject(r, r.problem, "unreadable line (not UTF-8, or an unknown character)", out);
                continue;
            }
            chunk.add(r);
            if (chunk.size() == CHUNK) {
                score(chunk, out);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            score(chunk, out);
        }
    }

    /** Scores the chunk together; when one of its records cannot be scored, each alone, to find it. */
    private void score(List<ScoreInput> chunk, Collector<ScoredRecord> out) {
        List<String> texts;
        try {
            texts = scorer.scoreAll(chunk);
        } catch (DataException | IllegalArgumentException e) {
            for (ScoreInput r : chunk) {
                try {
                    emit(r, scorer.scoreAll(List.of(r)).get(0), out);
                } catch (DataException | IllegalArgumentException alone) {
                    reject(r, alone.getMessage(), alone instanceof DataException ? "malformed record" : "record the model cannot score", out);
                }
            }
            return;
        }
        for (int i = 0; i < chunk.size(); i++) {
            emit(chunk.get(i), texts.get(i), out);
        }
    }

    private void emit(ScoreInput r, String text, Collector<ScoredRecord> out) {
        if (text != null) {
            scored.add(1);
            scoredMetric.inc();
            out.collect(new ScoredRecord(r.index, false, text));
        }
    }

    private void reject(ScoreInput r, String problem, String kind, Collector<ScoredRecord> out) {
        String reason = r.located(problem);
        rejected.add(1);
        rejectedMetric.inc();
        if (kindsLogged.add(kind)) {
            LOG.warn("rejected a {}: {} (further ones are only counted, in metric '{}', and written to the rejects file)", kind,
                    reason, REJECTED);
        }
        out.collect(new ScoredRecord(r.index, true, reason));
    }
}
