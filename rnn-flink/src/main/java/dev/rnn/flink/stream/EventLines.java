package dev.rnn.flink.stream;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Splits {@code key<TAB>value} lines into events (key, value) at the first tab. A line without a tab,
 * or with an empty key, is rejected ({@link Rejections}). The value is the rest of the line, tabs included.
 */
final class EventLines extends ProcessFunction<String, Tuple2<String, String>> {

    private static final long serialVersionUID = 1L;

    /** The events' type, given explicitly so that Flink never falls back to a generic (Kryo) serializer. */
    static final TypeInformation<Tuple2<String, String>> TYPE = Types.TUPLE(Types.STRING, Types.STRING);

    private transient Rejections rejections;

    @Override
    public void open(OpenContext openContext) {
        rejections = new Rejections(getRuntimeContext().getMetricGroup(), "event lines");
    }

    @Override
    public void processElement(String line, Context ctx, Collector<Tuple2<String, String>> out) {
        int tab = line.indexOf('\t');
        if (tab < 0) {
            ctx.output(Rejections.TAG, rejections.reject("malformed line: no tab between key and value", line));
        } else if (tab == 0) {
            ctx.output(Rejections.TAG, rejections.reject("malformed line: empty key", line));
        } else {
            out.collect(Tuple2.of(line.substring(0, tab), line.substring(tab + 1)));
        }
    }

    /** An event's key. */
    static final class Key implements KeySelector<Tuple2<String, String>, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Tuple2<String, String> event) {
            return event.f0;
        }
    }
}
