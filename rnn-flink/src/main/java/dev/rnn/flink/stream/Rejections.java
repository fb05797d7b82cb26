package dev.rnn.flink.stream;

import java.util.HashSet;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Input a job cannot use, set aside rather than failing the job: each rejected line is counted (the
 * operator's {@value #COUNTER} counter), logged the first time its kind (the reason up to the first
 * colon) appears in the subtask, and goes to the {@link #TAG} side output as {@code reason<TAB>line}.
 * One per operator instance.
 */
final class Rejections {

    /** The side output of rejected input: {@code reason<TAB>line}. */
    static final OutputTag<String> TAG = new OutputTag<>("rejected", Types.STRING);
    static final String COUNTER = "rejectedEvents";

    private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);

    private final Counter counter;
    private final Set<String> logged = new HashSet<>();
    private final String operator;

    Rejections(MetricGroup metrics, String operator) {
        this.counter = metrics.counter(COUNTER);
        this.operator = operator;
    }

    /** Counts {@code line}, rejected for {@code reason}, logs its kind once, and returns the side-output record. */
    String reject(String reason, String line) {
        counter.inc();
        int colon = reason.indexOf(':');
        String kind = colon < 0 ? reason : reason.substring(0, colon);
        if (logged.add(kind)) {
            LOG.warn("{}: rejected input ({}; further input of this kind is counted in '{}' and sent to the '{}' side output, not logged): {}",
                    operator, reason, COUNTER, TAG.getId(), line);
        }
        return reason + '\t' + line;
    }
}
