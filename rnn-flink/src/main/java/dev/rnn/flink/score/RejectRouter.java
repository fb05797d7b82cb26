package dev.rnn.flink.score;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Passes scored records on and routes rejected ones, with their reasons, to the side output {@link #REJECTED}. */
final class RejectRouter extends ProcessFunction<ScoredRecord, ScoredRecord> {

    private static final long serialVersionUID = 1L;

    /** The rejected records: their text is the reason, naming file and line. */
    static final OutputTag<ScoredRecord> REJECTED = new OutputTag<>("rejected", TypeInformation.of(ScoredRecord.class));

    @Override
    public void processElement(ScoredRecord record, Context context, Collector<ScoredRecord> out) {
        if (record.rejected) {
            context.output(REJECTED, record);
        } else {
            out.collect(record);
        }
    }
}
