package dev.rnn.bench.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every case of the harness runs on a tiny model in this JVM, and its result line reads back as written. */
class FirstStepsTest {

    @ParameterizedTest
    @ValueSource(strings = {"session/none", "session/sessions", "session/full", "batcher/none", "batcher/full"})
    void aCaseMeasuresItsFirstAndSteadySteps(String id) throws Exception {
        FirstSteps.Options options = FirstSteps.Options.parse("--model", "tiny-lm", "--steps", "20", "--steady-after", "50");
        FirstSteps.Result r = FirstSteps.runCase(options, FirstSteps.Case.of(id));
        assertEquals(id, r.caseId());
        assertEquals(id.endsWith("/none"), r.warmUpMillis() == 0, () -> "warm-up time " + r.warmUpMillis() + " for " + id);
        for (FirstSteps.Summary s : new FirstSteps.Summary[] {r.first(), r.steady()}) {
            assertTrue(s.p50() > 0 && s.p50() <= s.p99() && s.p99() <= s.max() && s.mean() <= s.max(), s::toString);
        }
        assertEquals(r, FirstSteps.Result.parse(r.line()));
    }

    @Test
    void refusesUnknownCasesAndShortRuns() {
        assertThrows(IllegalArgumentException.class, () -> FirstSteps.Options.parse("--case", "session/warm"));
        assertThrows(IllegalArgumentException.class, () -> FirstSteps.Options.parse("--cases", "stream/none"));
        assertThrows(IllegalArgumentException.class, () -> FirstSteps.Options.parse("--steps", "100", "--steady-after", "50"));
    }
}
